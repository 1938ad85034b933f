package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/switchboardhq/switchboard/store"
)

// evidenceTimeout bounds one evidence call (stripeapi.Timeout, with room to record).
const evidenceTimeout = 40 * time.Second

// DisputeEvidenceArgs submits one evidence submission's evidence to Stripe.
type DisputeEvidenceArgs struct {
	SubmissionID int64 `json:"evidence_submission_id"`
}

// Kind is the stable job kind.
func (DisputeEvidenceArgs) Kind() string { return "stripe_dispute_evidence" }

// InsertOpts: one job per submission, ever; a few attempts, since each retry
// is Stripe being down.
func (DisputeEvidenceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 6, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DisputeEvidenceWorker makes the Stripe call of an evidence submission
// (Disputes Update with the evidence and submit: true), with the
// submission's idempotency key, and records what Stripe said. It never
// changes the dispute: Stripe's dispute events do, through the ledger.
type DisputeEvidenceWorker struct {
	river.WorkerDefaults[DisputeEvidenceArgs]
	Store  *store.Store
	Logger *slog.Logger
	Stripe *client.API
	// Dispatch raises the alert of a final failure; nil raises none.
	Dispatch *Dispatcher
	// Refusal, when not empty, is why calls to Stripe are refused (StripeWriteRefusal).
	Refusal string
}

// Timeout bounds one attempt.
func (w *DisputeEvidenceWorker) Timeout(*river.Job[DisputeEvidenceArgs]) time.Duration {
	return evidenceTimeout
}

// Work submits the evidence once per submission, however often it runs.
func (w *DisputeEvidenceWorker) Work(ctx context.Context, job *river.Job[DisputeEvidenceArgs]) error {
	sub, err := w.Store.EvidenceSubmissionByID(ctx, job.Args.SubmissionID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	switch sub.Status {
	case store.EvidenceSubmitted:
		return nil // already answered: a rescued or repeated job
	case store.EvidenceFailed:
		// A job retried by hand after its submission ended: it stays failed,
		// and so does the job (a completed job would read as submitted).
		return river.JobCancel(fmt.Errorf("evidence submission %d already ended as failed; submit the evidence again from the dispute's page", sub.ID))
	}
	dp, err := w.Store.DisputeByID(ctx, sub.DisputeID)
	if err != nil {
		return err
	}
	sw := stripeWrite{what: fmt.Sprintf("evidence submission %d", sub.ID), attempt: job.Attempt, maxAttempts: job.MaxAttempts,
		exhausted: "submit the evidence again, or respond in Stripe's Dashboard before the deadline", logger: w.Logger,
		record: func(ctx context.Context, f store.StripeWriteFailure) error { return w.fail(ctx, sub, dp, f) }}
	if w.Refusal != "" || w.Stripe == nil {
		return sw.refused(ctx, w.Refusal, w.Refusal+". Next step: fix STRIPE_SECRET_KEY or APP_ENV (the Setup page says how), then submit the evidence again, or respond in Stripe's Dashboard before the deadline.")
	}
	acct, err := w.Store.DisputeStripeAccount(ctx, dp.StripeDisputeID)
	if err != nil {
		return err
	}
	p := evidenceParams(sub)
	if acct != "" {
		p.SetStripeAccount(acct)
	}
	p.Context = ctx
	res, err := w.Stripe.Disputes.Update(dp.StripeDisputeID, p)
	// Stripe answered: record it even if the job's context is ending.
	rctx := context.WithoutCancel(ctx)
	if err == nil {
		rid := ""
		if res.LastResponse != nil {
			rid = res.LastResponse.RequestID
		}
		return w.Store.InTx(rctx, func(tx *store.Store) error {
			if err := tx.MarkEvidenceSubmitted(rctx, sub.ID, rid); err != nil {
				return err
			}
			summary := "evidence submitted to Stripe (request " + rid + ")"
			if err := noteDisputeTicket(rctx, tx, dp.ID, sub.SubmittedBy, fmt.Sprintf("Evidence for dispute %s %s.", dp.StripeDisputeID, summary)); err != nil {
				return err
			}
			return tx.Audit(rctx, sub.SubmittedBy, "dispute.evidence_submitted", disputeSubject(dp.ID), map[string]any{
				"summary": summary, "evidence_submission_id": sub.ID, "stripe_dispute_id": dp.StripeDisputeID,
				"stripe_request_id": rid, "stripe_status": res.Status, "stripe_account": acct})
		})
	}
	return sw.failed(rctx, err, evidenceFailure(err))
}

// evidenceParams maps our evidence onto Stripe's fields. Stripe's
// customer_communication and refund_policy are uploaded files, so the text
// goes where Stripe takes text: the refund policy into
// refund_policy_disclosure, the customer communication into
// uncategorized_text under its own heading.
func evidenceParams(sub store.EvidenceSubmission) *stripe.DisputeParams {
	e := sub.Evidence
	ev := &stripe.DisputeEvidenceParams{}
	set := func(dst **string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = stripe.String(v)
		}
	}
	set(&ev.ProductDescription, e.ProductDescription)
	set(&ev.ShippingCarrier, e.ShippingCarrier)
	set(&ev.ShippingTrackingNumber, e.ShippingTrackingNumber)
	set(&ev.RefundPolicyDisclosure, e.RefundPolicy)
	var other []string
	if v := strings.TrimSpace(e.CustomerCommunication); v != "" {
		other = append(other, "Customer communication:\n"+v)
	}
	if v := strings.TrimSpace(e.UncategorizedText); v != "" {
		other = append(other, v)
	}
	set(&ev.UncategorizedText, strings.Join(other, "\n\n"))
	p := &stripe.DisputeParams{Evidence: ev, Submit: stripe.Bool(true), Metadata: map[string]string{
		"switchboard_evidence_submission_id": strconv.FormatInt(sub.ID, 10)}}
	p.SetIdempotencyKey(sub.IdempotencyKey())
	return p
}

// fail records a failure; a final one is audited with Stripe's request ID,
// noted on the dispute's ticket and alerted on.
func (w *DisputeEvidenceWorker) fail(ctx context.Context, sub store.EvidenceSubmission, dp store.Dispute, f store.StripeWriteFailure) error {
	return w.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.MarkEvidenceFailed(ctx, sub.ID, f); err != nil {
			return err
		}
		if !f.Final {
			return nil
		}
		summary := "evidence submission failed: " + f.Message
		if err := noteDisputeTicket(ctx, tx, dp.ID, "switchboard", fmt.Sprintf("Evidence for dispute %s: %s", dp.StripeDisputeID, summary)); err != nil {
			return err
		}
		if err := tx.Audit(ctx, sub.SubmittedBy, "dispute.evidence_failed", disputeSubject(dp.ID), map[string]any{
			"summary": summary, "evidence_submission_id": sub.ID, "code": f.Code, "message": f.Message, "stripe_request_id": f.RequestID}); err != nil {
			return err
		}
		if w.Dispatch == nil {
			return nil
		}
		return w.Dispatch.Raise(ctx, tx, store.NewAlert{Kind: store.AlertEvidenceFailed, Subject: "dispute:" + dp.StripeDisputeID,
			Severity: store.SeverityCritical, Message: fmt.Sprintf("Evidence for dispute %s did not reach Stripe: %s", dp.StripeDisputeID, f.Message)})
	})
}

// noteDisputeTicket adds a note to the dispute's ticket, when it has one.
func noteDisputeTicket(ctx context.Context, tx *store.Store, disputeID int64, author, body string) error {
	t, err := tx.TicketByDispute(ctx, disputeID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	_, err = tx.AddTicketNote(ctx, t.ID, author, body)
	return err
}

func disputeSubject(id int64) string { return "dispute:" + strconv.FormatInt(id, 10) }

// evidenceFailure explains a failed evidence call and names the next step.
func evidenceFailure(err error) failure {
	f, se := stripeFailure(err)
	switch {
	case se == nil || !f.permanent:
		f.message = unavailable(se, "submit the evidence again (or in Stripe's Dashboard) before the deadline")
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		f.message = "Stripe refused the API key (" + se.Msg + "). Next step: give STRIPE_SECRET_KEY write access to Disputes, then submit the evidence again."
	case se.Code == stripe.ErrorCodeResourceMissing:
		f.message = "Stripe does not know this dispute (" + se.Msg + "). Next step: check that STRIPE_SECRET_KEY belongs to the account the dispute is on, then submit again."
	default:
		f.message = "Stripe refused the evidence: " + se.Msg + ". Next step: fix the draft and submit again, or respond in Stripe's Dashboard before the deadline."
	}
	return f
}
