package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

const evidenceDraftColumns = `dispute_id, product_description, customer_communication, shipping_carrier,
	shipping_tracking_number, refund_policy, uncategorized_text, updated_by, updated_at`

const evidenceSubmissionColumns = `id, dispute_id, form_key, evidence, submitted_by, status, stripe_request_id,
	error_code, error_message, attempts, max_attempts, created_at, updated_at`

// EvidenceDraft returns a dispute's saved evidence draft (ErrNotFound: none yet).
func (s *Store) EvidenceDraft(ctx context.Context, disputeID int64) (EvidenceDraft, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+evidenceDraftColumns+` FROM dispute_evidence WHERE dispute_id = $1`, disputeID)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[EvidenceDraft])
	return d, mapErr("evidence draft", err)
}

// EvidenceSubmissions lists a dispute's evidence submissions, newest first.
func (s *Store) EvidenceSubmissions(ctx context.Context, disputeID int64) ([]EvidenceSubmission, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+evidenceSubmissionColumns+` FROM dispute_evidence_submissions
		WHERE dispute_id = $1 ORDER BY id DESC LIMIT 100`, disputeID)
	ss, err := pgx.CollectRows(rows, pgx.RowToStructByName[EvidenceSubmission])
	return ss, mapErr("evidence submissions", err)
}

// EvidenceSubmissionByID returns one evidence submission.
func (s *Store) EvidenceSubmissionByID(ctx context.Context, id int64) (EvidenceSubmission, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+evidenceSubmissionColumns+` FROM dispute_evidence_submissions WHERE id = $1`, id)
	sub, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[EvidenceSubmission])
	return sub, mapErr("evidence submission", err)
}

// lockedForEvidence locks a dispute and checks CheckEvidence at now.
func (s *Store) lockedForEvidence(ctx context.Context, disputeID int64, now time.Time) (Dispute, error) {
	d, err := s.lockDispute(ctx, disputeID)
	if err != nil {
		return d, err
	}
	return d, s.checkEvidence(ctx, d, now)
}

// lockDispute locks a dispute's row for a change of its evidence.
func (s *Store) lockDispute(ctx context.Context, disputeID int64) (Dispute, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+disputeColumns+` FROM disputes WHERE id = $1 FOR UPDATE`, disputeID)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Dispute])
	return d, mapErr("lock dispute for evidence", err)
}

// checkEvidence applies CheckEvidence to a locked dispute.
func (s *Store) checkEvidence(ctx context.Context, d Dispute, now time.Time) error {
	subs, err := s.EvidenceSubmissions(ctx, d.ID)
	if err != nil {
		return err
	}
	if err := CheckEvidence(d, subs, now); err != nil {
		return fmt.Errorf("dispute %d: %w", d.ID, err)
	}
	return nil
}

// SaveEvidenceDraft saves a dispute's evidence draft after CheckEvidence and
// Problem, audit-logged; a refused save changes nothing.
func (s *Store) SaveEvidenceDraft(ctx context.Context, disputeID int64, e Evidence, actor string, now time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.lockedForEvidence(ctx, disputeID, now); err != nil {
			return err
		}
		if err := tx.upsertEvidenceDraft(ctx, disputeID, e, actor); err != nil {
			return err
		}
		return tx.Audit(ctx, actor, "dispute.evidence_draft", disputeSubject(disputeID),
			map[string]any{"summary": "evidence draft saved (" + filledFields(e) + ")"})
	})
}

// upsertEvidenceDraft writes the draft, redacted; the caller holds the
// dispute's lock.
func (s *Store) upsertEvidenceDraft(ctx context.Context, disputeID int64, e Evidence, actor string) error {
	if p := e.Problem(); p != "" {
		return fmt.Errorf("evidence draft of dispute %d: %w: %s", disputeID, ErrEvidenceInvalid, p)
	}
	e = e.Redacted()
	_, err := s.db.Exec(ctx, `
		INSERT INTO dispute_evidence (dispute_id, product_description, customer_communication, shipping_carrier,
			shipping_tracking_number, refund_policy, uncategorized_text, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (dispute_id) DO UPDATE SET product_description = $2, customer_communication = $3,
			shipping_carrier = $4, shipping_tracking_number = $5, refund_policy = $6, uncategorized_text = $7,
			updated_by = $8, updated_at = now()`,
		disputeID, e.ProductDescription, e.CustomerCommunication, e.ShippingCarrier, e.ShippingTrackingNumber,
		e.RefundPolicy, e.UncategorizedText, actor)
	return mapErr("save evidence draft", err)
}

// filledFields names the evidence fields with text, for the trail.
func filledFields(e Evidence) string {
	var names []string
	for _, f := range EvidenceFields {
		if strings.TrimSpace(e.Field(f.Name)) != "" {
			names = append(names, strings.ToLower(f.Label))
		}
	}
	if len(names) == 0 {
		return "empty"
	}
	return strings.Join(names, ", ")
}

// NewEvidenceSubmission is what the console's submit button asks for.
type NewEvidenceSubmission struct {
	DisputeID   int64
	FormKey     string
	SubmittedBy string
	// Evidence, when not nil, is saved as the draft first (the form's fields
	// as they were when the button was pressed).
	Evidence *Evidence
}

// CreateEvidenceSubmission records a submission of the dispute's draft after
// CheckEvidence, holding the dispute's row lock so two submissions cannot
// both pass. The same form key returns the submission it already made, with
// created false. Run it in InTx to enqueue its job.
func (s *Store) CreateEvidenceSubmission(ctx context.Context, in NewEvidenceSubmission, now time.Time) (EvidenceSubmission, bool, error) {
	// Lock first: a double click's two requests arrive together, and the
	// second must find the first's row by its form key, not be refused.
	d, err := s.lockDispute(ctx, in.DisputeID)
	if err != nil {
		return EvidenceSubmission{}, false, err
	}
	var id int64
	err = s.db.QueryRow(ctx, `SELECT id FROM dispute_evidence_submissions WHERE form_key = $1 AND dispute_id = $2`,
		in.FormKey, in.DisputeID).Scan(&id)
	if err == nil {
		sub, err := s.EvidenceSubmissionByID(ctx, id)
		return sub, false, err
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return EvidenceSubmission{}, false, mapErr("evidence submission by form key", err)
	}
	if err := s.checkEvidence(ctx, d, now); err != nil {
		return EvidenceSubmission{}, false, err
	}
	if in.Evidence != nil {
		if err := s.upsertEvidenceDraft(ctx, in.DisputeID, *in.Evidence, in.SubmittedBy); err != nil {
			return EvidenceSubmission{}, false, err
		}
	}
	draft, err := s.EvidenceDraft(ctx, in.DisputeID)
	if errors.Is(err, ErrNotFound) || err == nil && draft.Empty() {
		return EvidenceSubmission{}, false, fmt.Errorf("dispute %d: %w", in.DisputeID, ErrEvidenceEmpty)
	} else if err != nil {
		return EvidenceSubmission{}, false, err
	}
	err = s.db.QueryRow(ctx, `INSERT INTO dispute_evidence_submissions (dispute_id, form_key, evidence, submitted_by)
		VALUES ($1, $2, $3, $4) RETURNING id`, in.DisputeID, in.FormKey, draft.Evidence, in.SubmittedBy).Scan(&id)
	if err != nil {
		return EvidenceSubmission{}, false, mapErr("create evidence submission", err)
	}
	sub, err := s.EvidenceSubmissionByID(ctx, id)
	return sub, true, err
}

// MarkEvidenceSubmitted records that Stripe took a submission's evidence.
func (s *Store) MarkEvidenceSubmitted(ctx context.Context, id int64, requestID string) error {
	_, err := s.db.Exec(ctx, `UPDATE dispute_evidence_submissions SET status = 'submitted', stripe_request_id = $2,
		error_code = '', error_message = '', updated_at = now() WHERE id = $1 AND status = 'requested'`, id, requestID)
	return mapErr("mark evidence submitted", err)
}

// MarkEvidenceFailed records why an attempt did not reach or was refused by
// Stripe. A failure that is not final keeps the submission requested (the
// job retries) with the error and the attempt shown.
func (s *Store) MarkEvidenceFailed(ctx context.Context, id int64, f StripeWriteFailure) error {
	_, err := s.db.Exec(ctx, `UPDATE dispute_evidence_submissions SET
		status = CASE WHEN $2 THEN 'failed' ELSE status END, error_code = $3, error_message = $4,
		stripe_request_id = CASE WHEN $5 = '' THEN stripe_request_id ELSE $5 END,
		attempts = $6, max_attempts = $7, updated_at = now()
		WHERE id = $1 AND status = 'requested'`, id, f.Final, f.Code, f.Message, f.RequestID, f.Attempt, f.MaxAttempts)
	return mapErr("mark evidence failed", err)
}

// DisputeStripeAccount returns the connected account (acct_…) a dispute
// lives on, as its Stripe events said ("" for the platform's own).
func (s *Store) DisputeStripeAccount(ctx context.Context, stripeDisputeID string) (string, error) {
	var acct string
	err := s.db.QueryRow(ctx, `SELECT coalesce(max(stripe_account), '') FROM stripe_events
		WHERE object_id = $1 AND stripe_account <> ''`, stripeDisputeID).Scan(&acct)
	return acct, mapErr("dispute stripe account", err)
}
