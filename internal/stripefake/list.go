package stripefake

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// eventWindow is how far back Stripe's Events API lists events.
const eventWindow = 30 * 24 * time.Hour

type event struct {
	id       string
	created  int64
	typ      string
	account  string
	livemode bool
	seq      int
	raw      json.RawMessage
}

type endpoint struct {
	id       string
	created  int64
	livemode bool
	seq      int
	obj      map[string]any
}

// AddEvent stores an event, given as the raw JSON body Stripe would send
// (internal/fixture builds them). Its id, created, type, livemode and account
// decide where it is listed.
func (s *Stripe) AddEvent(t testing.TB, raw []byte) {
	t.Helper()
	var e struct {
		ID       string `json:"id"`
		Object   string `json:"object"`
		Created  int64  `json:"created"`
		Type     string `json:"type"`
		Livemode bool   `json:"livemode"`
		Account  string `json:"account"`
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.ID == "" || e.Object != "event" || e.Created == 0 || e.Type == "" {
		t.Fatalf("stripefake: not a Stripe event (id, object, created, type): %v %.200s", err, raw)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.events = append(s.events, event{id: e.ID, created: e.Created, typ: e.Type, account: e.Account, livemode: e.Livemode, seq: s.seq, raw: append(json.RawMessage(nil), raw...)})
	if e.Account != "" {
		s.connected[e.Account] = true
	}
}

// WebhookEndpoint is an endpoint as the Dashboard would have created it.
type WebhookEndpoint struct {
	URL string
	// APIVersion is the endpoint's pinned version; empty means none (events
	// follow the account's default version: Stripe answers null).
	APIVersion    string
	EnabledEvents []string
	// Disabled endpoints receive nothing.
	Disabled bool
	Livemode bool
}

// AddWebhookEndpoint stores an endpoint and returns its ID.
func (s *Stripe) AddWebhookEndpoint(ep WebhookEndpoint) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := "we_" + randHex(12)
	created := s.now().Unix()
	status := "enabled"
	if ep.Disabled {
		status = "disabled"
	}
	var version any
	if ep.APIVersion != "" {
		version = ep.APIVersion
	}
	s.endpoints = append(s.endpoints, endpoint{id: id, created: created, livemode: ep.Livemode, seq: s.seq, obj: map[string]any{
		"id": id, "object": "webhook_endpoint", "api_version": version, "application": nil,
		"created": created, "description": nil, "enabled_events": slices.Clone(ep.EnabledEvents),
		"livemode": ep.Livemode, "metadata": map[string]any{}, "status": status, "url": ep.URL,
	}})
	return id
}

// listEvents serves GET /v1/events and /v1/events/{id}: newest first, the
// last 30 days only, scoped to the key's mode and the Stripe-Account header.
func (s *Stripe) listEvents(q url.Values, id, account string, live bool) (any, *apiError) {
	s.mu.Lock()
	cutoff := s.now().Add(-eventWindow).Unix()
	var visible []event
	for _, e := range s.events {
		if e.livemode == live && e.account == account && e.created >= cutoff {
			visible = append(visible, e)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(visible, func(a, b event) int {
		if a.created != b.created {
			return int(b.created - a.created)
		}
		return b.seq - a.seq
	})
	if id != "" {
		for _, e := range visible {
			if e.id == id {
				return e.raw, nil
			}
		}
		return nil, invalid(404, "resource_missing", "id", "No such event: '%s'", id)
	}
	match, e := eventFilter(q)
	if e != nil {
		return nil, e
	}
	ids := make([]string, len(visible))
	for i, ev := range visible {
		ids[i] = ev.id
	}
	idx, more, e := paginate(q, ids, func(i int) bool { return match(visible[i]) }, "event")
	if e != nil {
		return nil, e
	}
	data := make([]json.RawMessage, len(idx))
	for i, j := range idx {
		data[i] = visible[j].raw
	}
	return list("/v1/events", data, more), nil
}

// eventFilter reads created, created[gte|gt|lte|lt], type (with a trailing
// * wildcard) and types[] (up to 20).
func eventFilter(q url.Values) (func(event) bool, *apiError) {
	type bound struct {
		op string
		v  int64
	}
	var bounds []bound
	var types []string
	for k, vs := range q {
		switch {
		case k == "created" || strings.HasPrefix(k, "created["):
			op := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(k, "created"), "["), "]")
			if op == "" {
				op = "eq"
			}
			if !slices.Contains([]string{"eq", "gt", "gte", "lt", "lte"}, op) {
				return nil, invalid(400, "parameter_unknown", k, "Received unknown parameter: %s", k)
			}
			n, err := strconv.ParseInt(vs[0], 10, 64)
			if err != nil {
				return nil, invalid(400, "parameter_invalid_integer", k, "Invalid integer: %s", vs[0])
			}
			bounds = append(bounds, bound{op, n})
		case strings.HasPrefix(k, "types["):
			types = append(types, vs...)
		}
	}
	typ := q.Get("type")
	if typ != "" && len(types) > 0 {
		return nil, invalid(400, "", "types", "You may pass either `type` or `types`, but not both.")
	}
	if len(types) > 20 {
		return nil, invalid(400, "", "types", "You may pass at most 20 values for `types`.")
	}
	return func(e event) bool {
		for _, b := range bounds {
			ok := map[string]bool{"eq": e.created == b.v, "gt": e.created > b.v, "gte": e.created >= b.v, "lt": e.created < b.v, "lte": e.created <= b.v}[b.op]
			if !ok {
				return false
			}
		}
		if typ != "" {
			if p, wild := strings.CutSuffix(typ, "*"); wild {
				return strings.HasPrefix(e.typ, p)
			}
			return e.typ == typ
		}
		return len(types) == 0 || slices.Contains(types, e.typ)
	}, nil
}

// listEndpoints serves GET /v1/webhook_endpoints and /v1/webhook_endpoints/{id}.
func (s *Stripe) listEndpoints(q url.Values, id string, live bool) (any, *apiError) {
	s.mu.Lock()
	var visible []endpoint
	for _, ep := range s.endpoints {
		if ep.livemode == live {
			visible = append(visible, ep)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(visible, func(a, b endpoint) int {
		if a.created != b.created {
			return int(b.created - a.created)
		}
		return b.seq - a.seq
	})
	if id != "" {
		for _, ep := range visible {
			if ep.id == id {
				return ep.obj, nil
			}
		}
		return nil, invalid(404, "resource_missing", "id", "No such webhook endpoint: '%s'", id)
	}
	ids := make([]string, len(visible))
	for i, ep := range visible {
		ids[i] = ep.id
	}
	idx, more, e := paginate(q, ids, func(int) bool { return true }, "webhook endpoint")
	if e != nil {
		return nil, e
	}
	data := make([]map[string]any, len(idx))
	for i, j := range idx {
		data[i] = visible[j].obj
	}
	return list("/v1/webhook_endpoints", data, more), nil
}

// paginate picks a page of the list ids (in list order, newest first) by
// limit (1–100, default 10) and starting_after or ending_before, keeping the
// items match accepts. It returns indexes into ids, in list order, and
// has_more: whether more matching items lie beyond the page in the
// direction of travel.
func paginate(q url.Values, ids []string, match func(int) bool, noun string) ([]int, bool, *apiError) {
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, false, invalid(400, "parameter_invalid_integer", "limit", "Invalid integer: %s", v)
		}
		if n < 1 || n > 100 {
			return nil, false, invalid(400, "parameter_invalid_integer", "limit", "This value must be greater than or equal to 1 and less than or equal to 100.")
		}
		limit = n
	}
	after, before := q.Get("starting_after"), q.Get("ending_before")
	if after != "" && before != "" {
		return nil, false, invalid(400, "", "", "You may only specify one of these parameters: ending_before, starting_after.")
	}
	cursor := func(param, id string) (int, *apiError) {
		i := slices.Index(ids, id)
		if i < 0 {
			return 0, invalid(400, "resource_missing", param, "No such %s: '%s'", noun, id)
		}
		return i, nil
	}
	var candidates []int
	switch {
	case before != "":
		end, e := cursor("ending_before", before)
		if e != nil {
			return nil, false, e
		}
		for i := 0; i < end; i++ {
			if match(i) {
				candidates = append(candidates, i)
			}
		}
		// The page is the items closest to the cursor, still in list order.
		if len(candidates) > limit {
			return candidates[len(candidates)-limit:], true, nil
		}
		return candidates, false, nil
	case after != "":
		start, e := cursor("starting_after", after)
		if e != nil {
			return nil, false, e
		}
		for i := start + 1; i < len(ids); i++ {
			if match(i) {
				candidates = append(candidates, i)
			}
		}
	default:
		for i := range ids {
			if match(i) {
				candidates = append(candidates, i)
			}
		}
	}
	if len(candidates) > limit {
		return candidates[:limit], true, nil
	}
	return candidates, false, nil
}

func list[T any](path string, data []T, more bool) map[string]any {
	if data == nil {
		data = []T{}
	}
	return map[string]any{"object": "list", "data": data, "has_more": more, "url": path}
}
