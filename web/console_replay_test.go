package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

func TestReplayDryRunThenApply(t *testing.T) {
	t.Parallel()
	app := New(t)
	id, restore := app.FailedPayment(xss)
	admin := app.SignIn(store.UserAdmin)

	p := admin.Get("/events/" + id).Want(http.StatusOK)
	noRawScript(t, p)
	if got := p.Text("event-status"); got != "failed" {
		t.Fatalf("status: got %q, want failed", got)
	}
	if !strings.Contains(p.Text("event-last-error"), "apptest_outage_orders") || !strings.Contains(p.Text("attempts"), "apptest_outage_orders") {
		t.Fatalf("attempts: got %q / %q, want the outage's error", p.Text("event-last-error"), p.Text("attempts"))
	}

	// During the outage the dry run says it would fail, and changes nothing.
	d := admin.HTMX(http.MethodPost, "/events/"+id+"/dry-run", nil).Want(http.StatusOK)
	if !strings.Contains(d.Text("dry-run-failure"), "apptest_outage_orders") {
		t.Fatalf("dry run during the outage: got %q", d.Body)
	}

	restore()
	d = admin.HTMX(http.MethodPost, "/events/"+id+"/dry-run", nil).Want(http.StatusOK)
	noRawScript(t, d)
	if strings.Contains(d.Body, "<html") || d.Find("replay-panel").Length() != 1 {
		t.Fatalf("dry run: want the replay panel alone, got:\n%s", d.Body)
	}
	if got := d.Text("dry-run-changes"); !strings.Contains(got, "order ") || !strings.Contains(got, "created") {
		t.Fatalf("dry run changes: got %q, want a created order", got)
	}
	if d.Find("replay-apply").Length() != 1 {
		t.Fatal("no button to apply after the dry run")
	}
	if n := app.Count(`SELECT count(*) FROM orders`); n != 0 {
		t.Fatalf("orders after a dry run: got %d, want 0 (it must roll back)", n)
	}
	ev, _ := app.Store.EventByID(t.Context(), id)
	if ev.Status != store.EventFailed {
		t.Fatalf("event after a dry run: got %q, want still failed", ev.Status)
	}

	r := admin.HTMX(http.MethodPost, "/events/"+id+"/replay", nil).Want(http.StatusOK)
	if got := r.Text("replay-result"); !strings.Contains(got, "processed") {
		t.Fatalf("replay result: got %q", got)
	}
	if n := app.Count(`SELECT count(*) FROM orders WHERE status = 'paid'`); n != 1 {
		t.Fatalf("paid orders after replay: got %d, want 1", n)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'event.replay' AND subject = $1 AND actor = $2`, "event:"+id, admin.User.Email); n != 1 {
		t.Fatalf("replay audit entries: got %d, want 1", n)
	}
	p = admin.Get("/events/" + id).Want(http.StatusOK)
	if p.Text("event-status") != "processed" || !strings.Contains(p.Text("effects"), "order ") {
		t.Fatalf("after replay: status %q, effects %q", p.Text("event-status"), p.Find("effects").Text())
	}

	// Without htmx: forms post, the answer redirects back with a flash.
	nr := admin.Post("/events/"+id+"/replay", nil).Want(http.StatusSeeOther)
	if loc := nr.Header.Get("Location"); loc != "/events/"+id {
		t.Fatalf("replay without htmx: Location %q", loc)
	}
	if got := admin.Get("/events/" + id).Text("flash-ok"); !strings.Contains(got, "processed") {
		t.Fatalf("flash after replay: got %q", got)
	}
	admin.Post("/events/"+id+"/dry-run", nil).Want(http.StatusOK).Text("dry-run-status")
	admin.HTMX(http.MethodPost, "/events/evt_nosuch/dry-run", nil).Want(http.StatusNotFound)
}

func TestHtmxErrorsGoToTheFlashArea(t *testing.T) {
	t.Parallel()
	app := New(t)
	p := app.SignIn(store.UserAdmin).HTMX(http.MethodPost, "/events/evt_nosuch/replay", nil).Want(http.StatusNotFound)
	if p.Header.Get("HX-Retarget") != "#flash" || p.Find("flash-error").Length() != 1 {
		t.Fatalf("htmx error: HX-Retarget %q, body %s", p.Header.Get("HX-Retarget"), p.Body)
	}
}

func TestBulkReplayOfHeldEvents(t *testing.T) {
	t.Parallel()
	app := New(t)
	var ids []string
	for i := 0; i < 3; i++ {
		ev := NewEvent("customer.created", Customer(NewID("cus"), "", "Held"))
		ev.APIVersion = "2020-08-27"
		app.SendAndWait(ev)
		ids = append(ids, ev.ID)
	}
	app.SendAndWait(NewEvent("customer.created", Customer(NewID("cus"), "", "Not held")))
	admin := app.SignIn(store.UserAdmin)

	list := admin.Get("/events?status=held").Want(http.StatusOK)
	href, ok := list.Find("bulk-replay-link").Attr("href")
	if !ok {
		t.Fatal("no bulk replay link on a filtered list")
	}
	c := admin.Get(href).Want(http.StatusOK)
	if got := c.Text("bulk-replay-count"); !strings.HasPrefix(got, "3 events match") {
		t.Fatalf("confirmation: got %q", got)
	}
	if got := c.Text("bulk-replay-confirm"); got != "Replay 3 events" {
		t.Fatalf("button: got %q", got)
	}
	admin.Get("/events/bulk-replay").Want(http.StatusBadRequest)

	// A count that no longer holds is confirmed again, not applied.
	admin.Post("/events/bulk-replay", url.Values{"status": {"held"}, "count": {"2"}}).Want(http.StatusConflict)
	if n := app.Count(`SELECT count(*) FROM river_job WHERE (args->>'replay')::bool`); n != 0 {
		t.Fatalf("replay jobs after a stale confirmation: got %d, want 0", n)
	}

	p := admin.Post("/events/bulk-replay", url.Values{"status": {"held"}, "count": {"3"}}).Want(http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/events?status=held" {
		t.Fatalf("Location: got %q", loc)
	}
	for _, id := range ids {
		app.WaitStatus(id, store.EventProcessed)
	}
	if got := admin.Get("/events?status=held").Text("flash-ok"); !strings.HasPrefix(got, "Queued 3 events") {
		t.Fatalf("flash: got %q", got)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'event.bulk_replay' AND (detail->>'count')::int = 3`); n != 1 {
		t.Fatalf("bulk replay audit: got %d, want 1", n)
	}
}

func TestJobsRetryAndDiscard(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	admin.Get("/jobs").Want(http.StatusOK).Text("jobs-empty")

	first, restore1 := app.FailedPayment("")
	second, restore2 := app.FailedPayment("")
	p := admin.Get("/jobs?state=retryable").Want(http.StatusOK)
	if n := p.Find("job-row").Length(); n != 2 {
		t.Fatalf("retrying jobs: got %d, want 2", n)
	}
	if !strings.Contains(p.Find("job-row").First().Text(), "apptest_outage_orders") {
		t.Fatalf("the last error is not shown: %q", p.Find("job-row").First().Text())
	}
	restore1()
	restore2()
	jobID := func(eventID string) string {
		var id string
		p.Find("job-row").Each(func(_ int, s *Selectionish) {
			if app.Count(`SELECT count(*) FROM river_job WHERE id = $1::bigint AND args->>'event_id' = $2`, s.AttrOr("data-id", "0"), eventID) == 1 {
				id = s.AttrOr("data-id", "")
			}
		})
		if id == "" {
			t.Fatalf("no job row for %s", eventID)
		}
		return id
	}

	r := admin.HTMX(http.MethodPost, "/jobs/"+jobID(first)+"/retry", nil).Want(http.StatusOK)
	if got := r.Text("job-state"); got != "available" {
		t.Fatalf("after Retry now: got %q, want available", got)
	}
	if got := r.Text("job-confirm"); got != "Queued to run now." {
		t.Fatalf("after Retry now: got confirmation %q", got)
	}
	app.WaitStatus(first, store.EventProcessed)

	d := admin.HTMX(http.MethodPost, "/jobs/"+jobID(second)+"/discard", nil).Want(http.StatusOK)
	if got := d.Text("job-state"); got != "cancelled" {
		t.Fatalf("after Discard: got %q, want cancelled", got)
	}
	if d.Find("job-discard").Length() != 0 {
		t.Fatal("a discarded job still offers Discard")
	}
	if n := admin.Get("/jobs?state=cancelled").Find("job-row").Length(); n != 1 {
		t.Fatalf("cancelled jobs: got %d, want 1", n)
	}
	for _, a := range []string{"job.retry", "job.discard"} {
		if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = $1`, a); n != 1 {
			t.Errorf("%s audit entries: got %d, want 1", a, n)
		}
	}
	admin.Post("/jobs/987654/retry", nil).Want(http.StatusNotFound)
	admin.Get("/jobs?state=nonsense").Want(http.StatusBadRequest)
}

// TestFailedEventPage: a failed event shows its real attempts, a dry run that
// predicts failure offers no Apply but says what to do, the event can be
// marked ignored with a reason, and a dry run consumes no order number.
func TestFailedEventPage(t *testing.T) {
	t.Parallel()
	app := New(t)
	id, restore := app.FailedPayment("")
	admin := app.SignIn(store.UserAdmin)
	// The job's history is gone (River prunes it): the event's record remains.
	if _, err := app.Pool.Exec(t.Context(), `DELETE FROM river_job WHERE args->>'event_id' = $1`, id); err != nil {
		t.Fatal(err)
	}
	p := admin.Get("/events/" + id).Want(http.StatusOK)
	if p.Find("attempts-empty").Length() != 0 || !strings.Contains(p.Text("attempts"), "apptest_outage_orders") {
		t.Fatalf("attempts of a failed event: got %q / %q", p.Text("attempts-empty"), p.Text("attempts"))
	}
	d := admin.HTMX(http.MethodPost, "/events/"+id+"/dry-run", nil).Want(http.StatusOK)
	if d.Find("replay-apply").Length() != 0 {
		t.Fatal("a dry run that predicts failure offers Apply")
	}
	// A payment is money: the advice keeps it failed, and ignoring it is behind a warning.
	if !strings.Contains(d.Text("dry-run-advice"), "needs a Switchboard update") || !strings.Contains(d.Text("dry-run-advice"), "Keep it failed") ||
		d.Find("ignore-form").Length() != 1 || !strings.Contains(d.Text("ignore-money-warning"), "never reflects it") {
		t.Fatalf("advice: got %q", d.Text("dry-run-advice"))
	}
	restore()

	seq := func() int {
		return app.Count(`SELECT coalesce(pg_sequence_last_value('orders_id_seq'), 0)`)
	}
	before := seq()
	for range 3 {
		admin.HTMX(http.MethodPost, "/events/"+id+"/dry-run", nil).Want(http.StatusOK).Text("dry-run-changes")
	}
	if after := seq(); after != before {
		t.Fatalf("order sequence after 3 dry runs: got %d, want %d (unchanged)", after, before)
	}
	r := admin.HTMX(http.MethodPost, "/events/"+id+"/replay", nil).Want(http.StatusOK)
	if r.Header.Get("HX-Refresh") != "true" {
		t.Fatalf("replay: want the whole page refreshed (HX-Refresh), got headers %v", r.Header)
	}
	if n := app.Count(`SELECT count(*) FROM orders WHERE id = $1`, before+1); n != 1 {
		t.Fatalf("the replayed order: want number %d (no gap from the dry runs)", before+1)
	}
	// A processed event cannot be ignored; a failed one can, with a reason.
	admin.Post("/events/"+id+"/ignore", url.Values{"reason": {"test"}}).Want(http.StatusConflict)
	other, restore2 := app.FailedPayment("")
	restore2()
	admin.Post("/events/"+other+"/ignore", url.Values{"reason": {"  "}}).Want(http.StatusBadRequest)
	admin.Post("/events/"+other+"/ignore", url.Values{"reason": {"a test payment before launch"}}).Want(http.StatusSeeOther)
	ev, _ := app.Store.EventByID(t.Context(), other)
	if ev.Status != store.EventIgnored || !strings.Contains(ev.LastError, "a test payment before launch") {
		t.Fatalf("ignored event: got %q %q", ev.Status, ev.LastError)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'event.ignore' AND subject = $1`, "event:"+other); n != 1 {
		t.Fatalf("ignore audit: got %d, want 1", n)
	}
}

// TestHeldDryRunWarnsOfTheEndpoint: a held event's dry run offers Apply with
// a warning that the endpoint still sends the API version it was held for.
func TestHeldDryRunWarnsOfTheEndpoint(t *testing.T) {
	t.Parallel()
	app := New(t)
	ev := NewEvent("customer.created", Customer(NewID("cus"), "", "Held"))
	ev.APIVersion = "2020-08-27"
	app.SendAndWait(ev)
	d := app.SignIn(store.UserAdmin).HTMX(http.MethodPost, "/events/"+ev.ID+"/dry-run", nil).Want(http.StatusOK)
	if d.Find("replay-apply").Length() != 1 {
		t.Fatal("a held event's dry run offers no Apply")
	}
	if got := d.Text("replay-held-warning"); !strings.Contains(got, "2020-08-27") || !strings.Contains(got, jobs.SupportedAPIVersion) {
		t.Fatalf("held warning: got %q, want both API versions named", got)
	}
}
