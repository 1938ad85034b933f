package web_test

import (
	"net/http"
	"strings"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// Acknowledged events that no worker has applied yet show as the backlog and
// the apply lag, on /metrics and on the overview.
func TestApplyLagShown(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	admin := app.SignIn(store.UserAdmin)
	fams := scrape(t, app)
	if m := sample(fams, "switchboard_event_backlog"); m == nil || m.GetGauge().GetValue() != 0 {
		t.Fatalf("switchboard_event_backlog with nothing received: got %v, want 0", m)
	}
	for range 3 {
		app.Send(NewEvent("customer.created", Customer(NewID("cus"), NewID("b")+"@example.com", "B")))
	}
	if _, err := app.Pool.Exec(t.Context(), `UPDATE stripe_events SET received_at = now() - interval '90 seconds'`); err != nil {
		t.Fatal(err)
	}
	fams = scrape(t, app)
	if m := sample(fams, "switchboard_event_backlog"); m == nil || m.GetGauge().GetValue() != 3 {
		t.Errorf("switchboard_event_backlog: got %v, want 3", m)
	}
	if m := sample(fams, "switchboard_event_apply_lag_seconds"); m == nil || m.GetGauge().GetValue() < 90 || m.GetGauge().GetValue() > 150 {
		t.Errorf("switchboard_event_apply_lag_seconds: got %v, want about 90", m)
	}

	p := admin.Get("/").Want(http.StatusOK)
	if got := strings.TrimSpace(p.Find("event-backlog").Find(".value").Text()); got != "3" {
		t.Errorf("overview's events waiting: got %q, want 3", got)
	}
	lag := p.Find("apply-lag")
	if got := strings.TrimSpace(lag.Find(".value").Text()); !strings.HasSuffix(got, " min") {
		t.Errorf("overview's apply lag: got %q, want about 1.5 min", got)
	}
	if !lag.HasClass("warn") {
		t.Errorf("overview's apply lag over a minute is not marked: classes %q", lag.AttrOr("class", ""))
	}
}
