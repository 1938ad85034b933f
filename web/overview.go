package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// overviewShow handles GET /: what needs attention, then the last 24 hours at
// a glance. htmx polls it for the figures fragment every few seconds.
func (s *Server) overviewShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := time.Now()
	// Alerts whose cause cleared (a held event replayed) must not stay counted.
	if _, err := s.store.ResolveClearedAlerts(ctx); err != nil {
		return err
	}
	o, err := s.store.Overview(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	attn, err := s.store.Attention(ctx, now)
	if err != nil {
		return err
	}
	role := currentUser(ctx).Role
	for i := range attn {
		attn[i].Detail = forRole(role, attn[i].Detail)
	}
	for i := range o.NewestAlerts {
		o.NewestAlerts[i].Message = forRole(role, o.NewestAlerts[i].Message)
	}
	d := views.OverviewData{Overview: o, Now: now, Admin: role == store.UserAdmin,
		Attention: withJobs(attn, o), Live: s.cfg.Production}
	if isPartial(r) {
		return s.render(w, r, http.StatusOK, views.OverviewStats(d))
	}
	rng := r.URL.Query().Get("range")
	from, step, n := now.UTC().Truncate(time.Hour).Add(-23*time.Hour), time.Hour, 24
	switch rng {
	case "", "24h":
		rng = "24h"
	case "7d":
		from, step, n = now.UTC().Truncate(24*time.Hour).Add(-6*24*time.Hour), 24*time.Hour, 7
	default:
		return badRequest("range must be 24h or 7d")
	}
	buckets, err := s.charts.get(ctx, s.store, rng, from, step, n)
	if err != nil {
		return err
	}
	d.Charts = views.BuildCharts(rng, buckets)
	return s.render(w, r, http.StatusOK, views.OverviewPage(s.shell(r, "Overview"), d))
}

// withJobs adds River's failed and retrying jobs to the attention list, after
// the events they most often belong to.
func withJobs(items []store.AttentionItem, o store.Overview) []store.AttentionItem {
	var out []store.AttentionItem
	for i := range items {
		if items[i].Kind == store.AttnEventFailed {
			items[i].MovesMoney = jobs.MovesMoney(items[i].Label)
		}
	}
	addJobs := func() {
		if o.JobsFailed > 0 {
			out = append(out, store.AttentionItem{Kind: store.AttnJobsFailed, Count: o.JobsFailed})
		}
		if o.JobsRetrying > 0 {
			out = append(out, store.AttentionItem{Kind: store.AttnJobsRetrying, Count: o.JobsRetrying})
		}
	}
	added := false
	for _, it := range items {
		if !added && it.Kind != store.AttnEventFailed && it.Kind != store.AttnEventHeld && it.Kind != store.AttnEventRetrying {
			addJobs()
			added = true
		}
		out = append(out, it)
	}
	if !added {
		addJobs()
	}
	return out
}

// chartTTL is how long an instance reuses the overview's chart figures: they
// are drawn by the hour or the day, and reading a week of a busy ledger takes
// a range scan of its rows (about 130 ms for 36,000 events a week on the
// 2-core machine), which every page load need not pay.
const chartTTL = time.Minute

// chartCache keeps each window's chart figures for chartTTL, per instance.
type chartCache struct {
	mu      sync.Mutex
	entries map[string]chartEntry
}

type chartEntry struct {
	from    time.Time
	at      time.Time
	buckets []store.ChartBucket
}

// get returns the window's buckets, read again when older than chartTTL or
// when the window has moved to a new hour or day. One reader at a time per
// instance: a burst of page loads after expiry reads once.
func (c *chartCache) get(ctx context.Context, st *store.Store, key string, from time.Time, step time.Duration, n int) ([]store.ChartBucket, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && e.from.Equal(from) && time.Since(e.at) < chartTTL {
		return e.buckets, nil
	}
	bs, err := st.Charts(ctx, jobs.ChartEventTypes, from, step, n)
	if err != nil {
		return nil, err
	}
	if c.entries == nil {
		c.entries = map[string]chartEntry{}
	}
	c.entries[key] = chartEntry{from: from, at: time.Now(), buckets: bs}
	return bs, nil
}
