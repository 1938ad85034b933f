package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// eventJobID is the River job of an event.
func eventJobID(t *testing.T, app *App, eventID string) string {
	t.Helper()
	var id string
	if err := app.Pool.QueryRow(t.Context(), `SELECT id::text FROM river_job WHERE kind = 'stripe_event' AND args->>'event_id' = $1
		ORDER BY id DESC LIMIT 1`, eventID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestJobPageRetry(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	ev, restore := app.FailedPayment("")
	id := eventJobID(t, app, ev)

	p := admin.Get("/jobs?state=retryable").Want(http.StatusOK)
	if got := p.Text("job-state-retryable"); got != "retrying 1" {
		t.Errorf("retrying tab: got %q, want its count", got)
	}
	if href, _ := p.Find("job-link").Attr("href"); href != "/jobs/"+id {
		t.Errorf("job link: got %q, want /jobs/%s", href, id)
	}
	j := admin.Get("/jobs/" + id).Want(http.StatusOK)
	if got := j.Text("job-errors"); !strings.Contains(got, "attempt 1") || !strings.Contains(got, "apptest_outage_orders") {
		t.Errorf("attempts: got %q, want attempt 1 and its error", got)
	}
	if href, _ := j.Find("job-belongs-link").Attr("href"); href != "/events/"+ev {
		t.Errorf("belongs to: got %q, want /events/%s", href, ev)
	}
	if !strings.Contains(j.Text("job-args"), ev) {
		t.Errorf("args: got %q", j.Text("job-args"))
	}
	restore()
	done := admin.Post("/jobs/"+id+"/retry", url.Values{"from": {"job"}}).Want(http.StatusSeeOther)
	if loc := done.Header.Get("Location"); loc != "/jobs/"+id {
		t.Fatalf("after retry from its page: redirect to %q, want the page", loc)
	}
	if got := admin.Get("/jobs/" + id).Text("flash-ok"); !strings.HasPrefix(got, "Job "+id+" (stripe_event): Queued to run now") {
		t.Errorf("confirmation: got %q", got)
	}
	app.WaitStatus(ev, store.EventProcessed)
	admin.Get("/jobs/987654321").Want(http.StatusNotFound)
	admin.Get("/jobs/x").Want(http.StatusNotFound)
}

func TestJobsBulkDiscard(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	a, restoreA := app.FailedPayment("")
	b, restoreB := app.FailedPayment("")
	defer restoreA()
	defer restoreB()

	admin.Get("/jobs/bulk?action=explode&state=retryable").Want(http.StatusBadRequest)
	admin.Get("/jobs/bulk?action=retry&state=running").Want(http.StatusBadRequest)
	c := admin.Get("/jobs/bulk?action=discard&state=retryable&kind=stripe_event").Want(http.StatusOK)
	if got := c.Text("jobs-bulk-count"); !strings.HasPrefix(got, "2 jobs will be discarded") {
		t.Fatalf("confirmation: got %q", got)
	}
	form := url.Values{"action": {"discard"}, "state": {"retryable"}, "kind": {"stripe_event"}, "count": {"3"}}
	admin.Post("/jobs/bulk", form).Want(http.StatusConflict) // the count changed: confirm again, nothing done
	if n := app.Count(`SELECT count(*) FROM river_job WHERE state = 'cancelled'`); n != 0 {
		t.Fatalf("a stale confirmation discarded %d jobs", n)
	}
	form.Set("count", "2")
	admin.Post("/jobs/bulk", form).Want(http.StatusSeeOther)
	for _, ev := range []string{a, b} {
		if st := app.JobState(ev); st != "cancelled" {
			t.Errorf("job of %s: got %q, want cancelled", ev, st)
		}
	}
	if got := admin.Get("/jobs?state=cancelled").Text("flash-ok"); got != "Discarded 2 retryable jobs of kind stripe_event." {
		t.Errorf("flash: got %q", got)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'job.bulk_discard' AND (detail->>'count')::int = 2`); n != 1 {
		t.Errorf("audit: got %d, want 1", n)
	}
}
