package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboardhq/switchboard/store"
)

// figuresCollector reads the operational figures from Postgres at each scrape
// (one batch of indexed queries over the rows in flight) and readiness, as
// /readyz sees it.
type figuresCollector struct {
	store *store.Store
	ready func(ctx context.Context) error
	log   *slog.Logger
}

var (
	descJobs = prometheus.NewDesc("switchboard_jobs",
		"River jobs not completed, by kind and state (available, scheduled, retryable, running, pending, discarded, cancelled).",
		[]string{"kind", "state"}, nil)
	descJobOldest = prometheus.NewDesc("switchboard_job_oldest_seconds",
		"Age of the job waiting longest for a worker (state available, since it was due) and of the one running longest (state running).",
		[]string{"state"}, nil)
	descEvents = prometheus.NewDesc("switchboard_events",
		"Stripe events received but not yet processed (waiting or retrying), failed (no retry scheduled) and held (another API version).",
		[]string{"status"}, nil)
	descCRMBacklog = prometheus.NewDesc("switchboard_crm_backlog",
		"Accounts with a change not yet in the CRM, by sync status (pending, retrying, failed).",
		[]string{"status"}, nil)
	descCRMOldest = prometheus.NewDesc("switchboard_crm_backlog_oldest_seconds",
		"Age of the oldest account change not yet in the CRM (0 when none).", nil, nil)
	descBacklog = prometheus.NewDesc("switchboard_event_backlog",
		"Stripe events acknowledged and waiting for their first apply (retrying ones are in switchboard_events{status=\"received\"}).", nil, nil)
	descApplyLag = prometheus.NewDesc("switchboard_event_apply_lag_seconds",
		"Apply lag: how long the oldest Stripe event waiting for its first apply has waited (0 when none).", nil, nil)
	descReady = prometheus.NewDesc("switchboard_ready",
		"1 when the database answers and migrations are current (as /readyz), else 0.", nil, nil)
)

func (c *figuresCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descJobs, descJobOldest, descEvents, descCRMBacklog, descCRMOldest, descBacklog, descApplyLag, descReady} {
		ch <- d
	}
}

func (c *figuresCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ready := 1.0
	if err := c.store.Ping(ctx); err != nil {
		ready = 0
	} else if c.ready != nil && c.ready(ctx) != nil {
		ready = 0
	}
	ch <- prometheus.MustNewConstMetric(descReady, prometheus.GaugeValue, ready)
	f, err := c.store.MetricsFigures(ctx)
	if err != nil {
		// The other families still answer; switchboard_ready and the missing
		// series say what is wrong.
		c.log.Warn("metrics: reading figures", "err", err)
		return
	}
	for _, j := range f.Jobs {
		ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(j.N), j.Kind, j.State)
	}
	ch <- prometheus.MustNewConstMetric(descJobOldest, prometheus.GaugeValue, f.OldestAvailable, "available")
	ch <- prometheus.MustNewConstMetric(descJobOldest, prometheus.GaugeValue, f.OldestRunning, "running")
	// Every status is always present, 0 included, so alerts see a value.
	for _, s := range []string{store.EventReceived, store.EventFailed, store.EventHeld} {
		ch <- prometheus.MustNewConstMetric(descEvents, prometheus.GaugeValue, float64(f.Events[s]), s)
	}
	for _, s := range []string{store.CRMPending, store.CRMRetrying, store.CRMFailed} {
		ch <- prometheus.MustNewConstMetric(descCRMBacklog, prometheus.GaugeValue, float64(f.CRMBacklog[s]), s)
	}
	ch <- prometheus.MustNewConstMetric(descCRMOldest, prometheus.GaugeValue, f.CRMOldest)
	ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(f.Backlog))
	ch <- prometheus.MustNewConstMetric(descApplyLag, prometheus.GaugeValue, f.ApplyLag)
}
