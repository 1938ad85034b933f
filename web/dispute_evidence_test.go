package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/store"
)

func evidencePath(d store.Dispute) string {
	return "/disputes/" + strconv.FormatInt(d.ID, 10) + "/evidence"
}

// evidenceForm is the dispute page's evidence form, with its key, and fields.
func evidenceForm(p *Page, fields map[string]string) url.Values {
	key, _ := p.Doc.Find(`[data-testid=evidence-form] input[name=key]`).Attr("value")
	v := url.Values{"key": {key}, "confirm": {"yes"}}
	for k, f := range fields {
		v.Set(k, f)
	}
	return v
}

// fakeDispute opens a dispute due at due through Stripe's events and makes
// the fake know it.
func fakeDispute(t *testing.T, app *App, fake *stripefake.Stripe, due time.Time) store.Dispute {
	t.Helper()
	d := openDispute(t, app, "Ada", due)
	fake.AddDispute(d.StripeDisputeID, "", d.Reason, d.Amount, d.Currency)
	return d
}

func onlySubmission(t *testing.T, app *App, d store.Dispute) store.EvidenceSubmission {
	t.Helper()
	ss, err := app.Store.EvidenceSubmissions(context.Background(), d.ID)
	if err != nil || len(ss) != 1 {
		t.Fatalf("evidence submissions of dispute %d: got %d (%v), want 1", d.ID, len(ss), err)
	}
	return ss[0]
}

func submissionStatus(t *testing.T, app *App, id int64) store.EvidenceSubmission {
	t.Helper()
	s, err := app.Store.EvidenceSubmissionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var goodEvidence = map[string]string{
	"product_description":      "A blue teapot, 1 l.",
	"customer_communication":   "2026-11-02 buyer: it arrived, thanks!",
	"shipping_carrier":         "UPS",
	"shipping_tracking_number": "1Z999AA10123456784",
	"uncategorized_text":       "The buyer has ordered twice before.",
}

// TestEvidenceDraftAndSubmit walks a fraud dispute's evidence: the form has
// the fields that matter for the reason; a saved draft shows on reload; a
// double submit is one submission and one Stripe call with the
// submission's idempotency key; the page, the trail, the ticket and the
// audit log show the submission with Stripe's request ID; after it, the
// evidence can no longer change.
func TestEvidenceDraftAndSubmit(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	d := fakeDispute(t, app, fake, time.Now().Add(72*time.Hour))
	c := app.SignIn(store.UserAdmin)
	page := "/disputes/" + strconv.FormatInt(d.ID, 10)

	p := c.Get(page).Want(http.StatusOK)
	for _, f := range []string{"product_description", "customer_communication", "shipping_carrier", "shipping_tracking_number", "uncategorized_text"} {
		if p.Find("evidence-"+f).Length() != 1 {
			t.Errorf("fraud dispute's form: no field %s", f)
		}
	}
	if p.Find("evidence-refund_policy").Length() != 0 {
		t.Errorf("fraud dispute's form: the refund policy does not matter for fraud, want it left out")
	}
	draft := map[string]string{"product_description": "A blue teapot.", "shipping_carrier": "UPS"}
	c.Post(evidencePath(d), evidenceForm(p, draft)).Want(http.StatusSeeOther)
	p = c.Get(page).Want(http.StatusOK)
	if got := p.Text("evidence-product_description"); got != "A blue teapot." {
		t.Fatalf("draft after reload: got %q, want the saved description", got)
	}
	if got := p.Find("evidence-shipping_carrier").AttrOr("value", ""); got != "UPS" {
		t.Fatalf("carrier after reload: got %q, want UPS", got)
	}
	if !strings.Contains(p.Text("evidence-saved"), "admin") {
		t.Fatalf("draft saved note: got %q", p.Text("evidence-saved"))
	}
	if len(fake.DisputeSubmissions()) != 0 || app.Count(`SELECT count(*) FROM river_job WHERE kind = 'stripe_dispute_evidence'`) != 0 {
		t.Fatalf("saving a draft reached Stripe")
	}

	// A double click: the same form twice at once, then once more.
	form := evidenceForm(p, goodEvidence)
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() { defer wg.Done(); statuses[i] = c.Post(evidencePath(d)+"/submit", form).Status }()
	}
	wg.Wait()
	if statuses[0] != http.StatusSeeOther || statuses[1] != http.StatusSeeOther {
		t.Fatalf("a double submit's answers: got %v, want 303 twice", statuses)
	}
	c.Post(evidencePath(d)+"/submit", form).Want(http.StatusSeeOther)
	sub := onlySubmission(t, app, d)
	app.Eventually(10*time.Second, "the evidence job reaches Stripe", func() bool {
		return submissionStatus(t, app, sub.ID).Status == store.EvidenceSubmitted
	})
	app.Idle()
	subs := fake.DisputeSubmissions()
	if len(subs) != 1 {
		t.Fatalf("Stripe dispute updates: got %d, want 1", len(subs))
	}
	got := subs[0]
	if got.DisputeID != d.StripeDisputeID || !got.Submit || got.Account != "" ||
		got.Evidence["product_description"] != goodEvidence["product_description"] ||
		got.Evidence["shipping_carrier"] != "UPS" || got.Evidence["shipping_tracking_number"] != goodEvidence["shipping_tracking_number"] ||
		!strings.Contains(got.Evidence["uncategorized_text"], goodEvidence["customer_communication"]) ||
		!strings.Contains(got.Evidence["uncategorized_text"], goodEvidence["uncategorized_text"]) {
		t.Fatalf("Stripe got %+v, want the form's evidence, submitted", got)
	}
	var keys []string
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost {
			keys = append(keys, r.IdempotencyKey)
		}
	}
	if len(keys) != 1 || keys[0] != "switchboard-dispute-evidence-"+strconv.FormatInt(sub.ID, 10) {
		t.Fatalf("idempotency keys sent: got %q", keys)
	}

	p = c.Get(page).Want(http.StatusOK)
	done := submissionStatus(t, app, sub.ID)
	if p.Text("evidence-state") != "submitted to Stripe" || p.Text("evidence-request-id") != done.StripeRequestID ||
		!strings.HasPrefix(done.StripeRequestID, "req_") {
		t.Fatalf("page after submitting: got %q / %q, want submitted with %q", p.Text("evidence-state"), p.Text("evidence-request-id"), done.StripeRequestID)
	}
	if p.Find("evidence-form").Length() != 0 || !strings.Contains(p.Text("evidence-refused"), "already submitted") {
		t.Fatalf("page after submitting: want the form replaced by %q", p.Text("evidence-refused"))
	}
	subj := "dispute:" + strconv.FormatInt(d.ID, 10)
	for action, want := range map[string]int{"dispute.evidence_draft": 1, "dispute.evidence_submit": 1} {
		if n := app.Count(`SELECT count(*) FROM audit_log WHERE subject = $1 AND action = $2 AND actor LIKE 'admin%'`, subj, action); n != want {
			t.Errorf("%s audit entries: got %d, want %d", action, n, want)
		}
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE subject = $1 AND action = 'dispute.evidence_submitted'
		AND actor LIKE 'admin%' AND detail->>'stripe_request_id' = $2`, subj, done.StripeRequestID); n != 1 {
		t.Fatalf("dispute.evidence_submitted audit entries with Stripe's request ID: got %d, want 1", n)
	}
	if p.Find("trail-entry").FilterFunction(func(_ int, s *Selectionish) bool {
		return s.AttrOr("data-action", "") == "dispute.evidence_submitted" && strings.Contains(s.Text(), done.StripeRequestID)
	}).Length() != 1 {
		t.Fatalf("the dispute's trail does not show the submission with Stripe's request ID")
	}
	if n := app.Count(`SELECT count(*) FROM ticket_notes n JOIN tickets t ON t.id = n.ticket_id
		WHERE t.dispute_id = $1 AND n.body LIKE '%evidence submitted to Stripe (request ' || $2 || '%'`, d.ID, done.StripeRequestID); n != 1 {
		t.Fatalf("notes on the dispute's ticket about the submission: got %d, want 1", n)
	}
	ticket := c.Get("/tickets/" + p.Text("dispute-ticket")).Want(http.StatusOK)
	if !strings.Contains(ticket.Body, "evidence submitted to Stripe (request "+done.StripeRequestID+")") {
		t.Fatalf("the dispute's ticket page does not show the submission with Stripe's request ID")
	}

	// Another tab's form, and a draft save, after the submission: refused, nothing changes.
	again := c.Post(evidencePath(d)+"/submit", url.Values{"key": {"another-tab"}, "uncategorized_text": {"more"}}).Want(http.StatusConflict)
	if !strings.Contains(again.Text("error-message"), "already submitted") {
		t.Fatalf("second submission: got %q", again.Text("error-message"))
	}
	c.Post(evidencePath(d), url.Values{"uncategorized_text": {"more"}}).Want(http.StatusConflict)
	if n := app.Count(`SELECT count(*) FROM dispute_evidence WHERE dispute_id = $1 AND uncategorized_text = 'more'`, d.ID); n != 0 {
		t.Fatalf("a refused save changed the draft")
	}
	app.Idle()
	if n := len(fake.DisputeSubmissions()); n != 1 {
		t.Fatalf("Stripe dispute updates after the refusals: got %d, want 1", n)
	}
}

// TestEvidenceRefusals: past the deadline, a closed dispute, an unknown one,
// bad fields and an empty draft each get a clear 4xx and change nothing.
func TestEvidenceRefusals(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	c := app.SignIn(store.UserAdmin)

	overdue := fakeDispute(t, app, fake, time.Now().Add(-time.Hour))
	p := c.Get("/disputes/" + strconv.FormatInt(overdue.ID, 10)).Want(http.StatusOK)
	if p.Find("evidence-form").Length() != 0 || !strings.Contains(p.Text("evidence-refused"), "deadline") {
		t.Fatalf("overdue dispute's page: want the deadline message instead of the form")
	}
	for _, path := range []string{evidencePath(overdue), evidencePath(overdue) + "/submit"} {
		got := c.Post(path, url.Values{"key": {"k1"}, "product_description": {"late"}}).Want(http.StatusConflict)
		if !strings.Contains(got.Text("error-message"), "deadline") || !strings.Contains(got.Text("error-message"), "has passed") {
			t.Errorf("POST %s past the deadline: got %q", path, got.Text("error-message"))
		}
	}

	lost := fakeDispute(t, app, fake, time.Now().Add(48*time.Hour))
	app.SendAndWait(NewEvent("charge.dispute.closed", Dispute(lost.StripeDisputeID, *lost.StripeChargeID, "", 3000, "usd", "lost", "fraudulent", time.Now().Add(48*time.Hour))))
	got := c.Post(evidencePath(lost)+"/submit", url.Values{"key": {"k2"}, "product_description": {"x"}}).Want(http.StatusConflict)
	if !strings.Contains(got.Text("error-message"), "closed") {
		t.Errorf("closed dispute: got %q", got.Text("error-message"))
	}
	c.Post(evidencePath(lost), url.Values{"product_description": {"x"}}).Want(http.StatusConflict)

	c.Post("/disputes/987654/evidence", url.Values{"product_description": {"x"}}).Want(http.StatusNotFound)
	c.Post("/disputes/987654/evidence/submit", url.Values{"key": {"k3"}}).Want(http.StatusNotFound)

	open := fakeDispute(t, app, fake, time.Now().Add(48*time.Hour))
	p = c.Get("/disputes/" + strconv.FormatInt(open.ID, 10)).Want(http.StatusOK)
	long := evidenceForm(p, map[string]string{"product_description": strings.Repeat("é", store.EvidenceTextMax+1)})
	got = c.Post(evidencePath(open), long).Want(http.StatusUnprocessableEntity)
	if !strings.Contains(got.Text("evidence-form-error"), "Product description is at most 9000 characters") {
		t.Errorf("over-long description: got %q", got.Text("evidence-form-error"))
	}
	c.Post(evidencePath(open)+"/submit", long).Want(http.StatusUnprocessableEntity)
	got = c.Post(evidencePath(open), evidenceForm(p, map[string]string{"shipping_carrier": strings.Repeat("U", store.EvidenceShortMax+1)})).Want(http.StatusUnprocessableEntity)
	if !strings.Contains(got.Text("evidence-form-error"), "Shipping carrier is at most") {
		t.Errorf("over-long carrier: got %q", got.Text("evidence-form-error"))
	}
	c.Post(evidencePath(open), evidenceForm(p, map[string]string{"product_description": "tea\x00pot"})).Want(http.StatusBadRequest)
	got = c.Post(evidencePath(open)+"/submit", evidenceForm(p, nil)).Want(http.StatusUnprocessableEntity)
	if !strings.Contains(got.Text("evidence-form-error"), "empty") {
		t.Errorf("empty evidence: got %q", got.Text("evidence-form-error"))
	}
	c.Post(evidencePath(open)+"/submit", url.Values{"product_description": {"no key"}}).Want(http.StatusBadRequest)

	if n := app.Count(`SELECT count(*) FROM dispute_evidence`); n != 0 {
		t.Fatalf("evidence drafts after refusals: got %d, want 0", n)
	}
	if n := app.Count(`SELECT count(*) FROM dispute_evidence_submissions`) + app.Count(`SELECT count(*) FROM river_job WHERE kind = 'stripe_dispute_evidence'`); n != 0 {
		t.Fatalf("evidence submissions or jobs after refusals: got %d, want 0", n)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action LIKE 'dispute.evidence%'`); n != 0 {
		t.Fatalf("evidence audit entries after refusals: got %d, want 0", n)
	}
}

// TestEvidenceSupportSetting: by default support sees the draft but may not
// save or submit; SUPPORT_SUBMITS_EVIDENCE admits support to both routes.
func TestEvidenceSupportSetting(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	d := fakeDispute(t, app, fake, time.Now().Add(72*time.Hour))
	admin := app.SignIn(store.UserAdmin)
	admin.Post(evidencePath(d), evidenceForm(admin.Get("/disputes/"+strconv.FormatInt(d.ID, 10)), map[string]string{"product_description": "A teapot."})).Want(http.StatusSeeOther)

	support := app.SignIn(store.UserSupport)
	p := support.Get("/disputes/" + strconv.FormatInt(d.ID, 10)).Want(http.StatusOK)
	if p.Find("evidence-form").Length() != 0 || p.Text("evidence-draft-product_description") != "A teapot." || p.Find("evidence-readonly").Length() != 1 {
		t.Fatalf("support's view: want the draft read-only, no form")
	}
	support.Post(evidencePath(d), url.Values{"product_description": {"mine"}}).Want(http.StatusForbidden)
	support.Post(evidencePath(d)+"/submit", url.Values{"key": {"k"}, "product_description": {"mine"}}).Want(http.StatusForbidden)
	if n := app.Count(`SELECT count(*) FROM dispute_evidence WHERE product_description = 'mine'`) + app.Count(`SELECT count(*) FROM dispute_evidence_submissions`); n != 0 {
		t.Fatalf("support's refused posts changed something")
	}

	allowed := NewWith(t, Options{Stripe: fake, SupportSubmitsEvidence: true})
	for _, rt := range allowed.Web.Routes() {
		if strings.HasPrefix(rt.Pattern, "POST /disputes/{id}/evidence") && rt.Access != "admin support" {
			t.Errorf("%s with SUPPORT_SUBMITS_EVIDENCE: access %q, want admin support", rt.Pattern, rt.Access)
		}
	}
	d2 := fakeDispute(t, allowed, fake, time.Now().Add(72*time.Hour))
	support = allowed.SignIn(store.UserSupport)
	p = support.Get("/disputes/" + strconv.FormatInt(d2.ID, 10)).Want(http.StatusOK)
	support.Post(evidencePath(d2), evidenceForm(p, map[string]string{"product_description": "Support's draft."})).Want(http.StatusSeeOther)
	support.Post(evidencePath(d2)+"/submit", evidenceForm(p, map[string]string{"shipping_carrier": "DHL"})).Want(http.StatusSeeOther)
	sub := onlySubmission(t, allowed, d2)
	allowed.Eventually(10*time.Second, "support's evidence reaches Stripe", func() bool {
		return submissionStatus(t, allowed, sub.ID).Status == store.EvidenceSubmitted
	})
	if sub.SubmittedBy != support.User.Email || sub.Evidence.ProductDescription != "Support's draft." || sub.Evidence.ShippingCarrier != "DHL" {
		t.Fatalf("support's submission: got %+v", sub)
	}
}

// TestEvidenceStripeFailures: Stripe's refusal ends the submission with the
// message and the next step, audited, noted on the ticket and alerted, and
// a new submission is allowed; Stripe down is retried with the same key and
// submits once; a dispute on a connected account is updated with its
// Stripe-Account.
func TestEvidenceStripeFailures(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	c := app.SignIn(store.UserAdmin)
	d := fakeDispute(t, app, fake, time.Now().Add(72*time.Hour))
	page := "/disputes/" + strconv.FormatInt(d.ID, 10)

	fake.DisputeError(stripefake.DisputeInvalid)
	c.Post(evidencePath(d)+"/submit", evidenceForm(c.Get(page), goodEvidence)).Want(http.StatusSeeOther)
	first := onlySubmission(t, app, d)
	app.Eventually(10*time.Second, "Stripe's refusal recorded", func() bool {
		return submissionStatus(t, app, first.ID).Status == store.EvidenceFailed
	})
	p := c.Get(page).Want(http.StatusOK)
	if p.Text("evidence-state") != "failed" || !strings.Contains(p.Text("evidence-error"), "Stripe refused the evidence") ||
		!strings.Contains(p.Text("evidence-error"), "Next step") {
		t.Fatalf("page after Stripe's refusal: got %q / %q", p.Text("evidence-state"), p.Text("evidence-error"))
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'dispute.evidence_failed' AND detail->>'code' = $1
		AND detail->>'stripe_request_id' LIKE 'req_%'`, stripefake.DisputeInvalid); n != 1 {
		t.Fatalf("dispute.evidence_failed audit entries with Stripe's request ID: got %d, want 1", n)
	}
	if _, err := app.Store.AlertByKey(context.Background(), store.AlertEvidenceFailed, "dispute:"+d.StripeDisputeID); err != nil {
		t.Fatalf("alert for the failed submission: %v", err)
	}
	if n := app.Count(`SELECT count(*) FROM ticket_notes n JOIN tickets t ON t.id = n.ticket_id
		WHERE t.dispute_id = $1 AND n.body LIKE '%evidence submission failed%'`, d.ID); n != 1 {
		t.Fatalf("notes on the ticket about the failure: got %d, want 1", n)
	}

	// Stripe down: two 503s, then the third attempt with the same key submits
	// once. River waits about 1 s before the second attempt and 16 s before
	// the third, so the page is read while it is sure to be retrying.
	fake.FailNext(2, stripefake.Fault{Status: http.StatusServiceUnavailable})
	c.Post(evidencePath(d)+"/submit", evidenceForm(c.Get(page), nil)).Want(http.StatusSeeOther)
	ss, _ := app.Store.EvidenceSubmissions(context.Background(), d.ID)
	second := ss[0]
	app.Eventually(15*time.Second, "the 503s are shown while the job retries", func() bool {
		s := submissionStatus(t, app, second.ID)
		return s.Status == store.EvidenceRequested && s.Attempts == 2 && strings.Contains(s.ErrorMessage, "Stripe is not available")
	})
	// Until Stripe took it, the page never says submitted, and the form says why it is closed.
	while := c.Get(page)
	if got, want := while.Text("evidence-state"), "Not sent yet: retrying (attempt 3 of 6)"; got != want {
		t.Fatalf("while retrying: got %q, want %q", got, want)
	}
	if got := while.Text("evidence-refused"); strings.Contains(got, "already submitted") || !strings.Contains(got, "has not reached it yet") {
		t.Fatalf("form while retrying: got %q, want it not yet at Stripe", got)
	}
	app.Eventually(40*time.Second, "the third attempt reaches Stripe", func() bool {
		return submissionStatus(t, app, second.ID).Status == store.EvidenceSubmitted
	})
	if n := len(fake.DisputeSubmissions()); n != 1 {
		t.Fatalf("Stripe dispute updates after a refusal, a 503 and a retry: got %d, want 1", n)
	}
	var keys []string
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.IdempotencyKey, "-"+strconv.FormatInt(second.ID, 10)) {
			keys = append(keys, r.IdempotencyKey)
		}
	}
	if len(keys) != 3 || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Fatalf("attempts' idempotency keys: got %q, want the same key three times", keys)
	}

	// A dispute on a connected account: its events name the account, and the call carries it.
	acct := NewID("acct")
	cus, ch, dp := NewID("cus"), NewID("ch"), NewID("dp")
	for _, e := range []*Event{
		NewEvent("customer.created", Customer(cus, cus+"@example.com", "Bo")),
		NewEvent("charge.succeeded", Charge(ch, NewID("pi"), 3000, 0, "usd", cus, "", "succeeded", nil)),
		NewEvent("charge.dispute.created", Dispute(dp, ch, "", 3000, "usd", "needs_response", "duplicate", time.Now().Add(48*time.Hour))),
	} {
		e.Account = acct
		app.SendAndWait(e)
	}
	cd, err := app.Store.DisputeByStripeID(context.Background(), dp)
	if err != nil {
		t.Fatal(err)
	}
	fake.AddDispute(dp, acct, "duplicate", 3000, "usd")
	cp := "/disputes/" + strconv.FormatInt(cd.ID, 10)
	c.Post(evidencePath(cd)+"/submit", evidenceForm(c.Get(cp), map[string]string{"product_description": "Two teapots."})).Want(http.StatusSeeOther)
	cs := onlySubmission(t, app, cd)
	app.Eventually(10*time.Second, "the connected account's evidence reaches Stripe", func() bool {
		return submissionStatus(t, app, cs.ID).Status == store.EvidenceSubmitted
	})
	if subs := fake.DisputeSubmissions(); len(subs) != 2 || subs[1].Account != acct {
		t.Fatalf("connected account's update: got %+v, want it with Stripe-Account %s", subs, acct)
	}
}

// TestEvidenceIsRedacted: a card number and a secret key typed into evidence
// are redacted like ticket notes: not stored, not shown, not sent to Stripe;
// the form says so.
func TestEvidenceIsRedacted(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	d := fakeDispute(t, app, fake, time.Now().Add(72*time.Hour))
	c := app.SignIn(store.UserAdmin)
	page := "/disputes/" + strconv.FormatInt(d.ID, 10)
	const card, key = "4242 4242 4242 4242", "sk_live_51Hsecretsecretsecret"

	p := c.Get(page).Want(http.StatusOK)
	if !strings.Contains(p.Text("evidence-redaction"), "[redacted]") {
		t.Errorf("evidence form: got %q, want it to say secrets are redacted", p.Text("evidence-redaction"))
	}
	fields := map[string]string{"product_description": "A teapot, paid with " + card + ".",
		"uncategorized_text": "Our key " + key + " shows the charge."}
	c.Post(evidencePath(d), evidenceForm(p, fields)).Want(http.StatusSeeOther)
	p = c.Get(page).Want(http.StatusOK)
	if strings.Contains(p.Body, key) || strings.Contains(p.Body, card) {
		t.Fatalf("dispute page shows the secret or the card number")
	}
	if got := p.Text("evidence-product_description"); got != "A teapot, paid with [redacted card]." {
		t.Errorf("saved description: got %q, want the card redacted", got)
	}
	var stored string
	if err := app.Pool.QueryRow(t.Context(), `SELECT product_description || uncategorized_text FROM dispute_evidence`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, key) || strings.Contains(stored, "4242") {
		t.Fatalf("stored evidence: got %q, want it redacted", stored)
	}
	// Submitting with the secrets typed again sends them redacted.
	c.Post(evidencePath(d)+"/submit", evidenceForm(p, fields)).Want(http.StatusSeeOther)
	sub := onlySubmission(t, app, d)
	app.Eventually(10*time.Second, "the evidence job reaches Stripe", func() bool {
		return submissionStatus(t, app, sub.ID).Status == store.EvidenceSubmitted
	})
	for _, s := range fake.DisputeSubmissions() {
		for f, v := range s.Evidence {
			if strings.Contains(v, key) || strings.Contains(v, "4242 4242") {
				t.Errorf("Stripe got %s = %q, want it redacted", f, v)
			}
		}
	}
}
