package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// evidenceAccess is who may save and submit dispute evidence: admins, and
// support staff too when SUPPORT_SUBMITS_EVIDENCE is on. Everyone who opens
// the dispute sees the draft and the submissions.
func (s *Server) evidenceAccess() string {
	if s.cfg.SupportSubmitsEvidence {
		return roleStaff
	}
	return roleAdmin
}

// evidenceView loads a dispute's evidence section.
func (s *Server) evidenceView(ctx context.Context, dp store.Dispute) (views.EvidenceView, error) {
	v := views.EvidenceView{Fields: store.EvidenceFieldsFor(dp.Reason), StripeRefusal: s.cfg.StripeWriteRefusal,
		CanEdit: allows(s.evidenceAccess(), currentUser(ctx).Role)}
	if v.StripeRefusal != "" && currentUser(ctx).Role != store.UserAdmin {
		// Support staff get the consequence, not the deployment's settings.
		v.StripeRefusal = "Switchboard has no working Stripe API key (an admin can set one up)"
	}
	draft, err := s.store.EvidenceDraft(ctx, dp.ID)
	switch {
	case err == nil:
		v.Saved, v.Draft = &draft, draft.Evidence
	case !errors.Is(err, store.ErrNotFound):
		return v, err
	}
	if v.Submissions, err = s.store.EvidenceSubmissions(ctx, dp.ID); err != nil {
		return v, err
	}
	for i := range v.Submissions {
		v.Submissions[i].ErrorMessage = forRole(currentUser(ctx).Role, v.Submissions[i].ErrorMessage)
	}
	v.Refusal = store.EvidenceRefusal(store.CheckEvidence(dp, v.Submissions, time.Now()), dp)
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	v.Key = hex.EncodeToString(b)
	return v, nil
}

// postedEvidence is the saved draft with the fields the form posted over it
// (the form shows only the fields that matter for the dispute's reason).
func (s *Server) postedEvidence(r *http.Request, disputeID int64) (store.Evidence, error) {
	var e store.Evidence
	draft, err := s.store.EvidenceDraft(r.Context(), disputeID)
	switch {
	case err == nil:
		e = draft.Evidence
	case !errors.Is(err, store.ErrNotFound):
		return e, err
	}
	for _, f := range store.EvidenceFields {
		if vs, ok := r.PostForm[f.Name]; ok && len(vs) > 0 {
			v := strings.ReplaceAll(vs[0], "\r\n", "\n")
			if !f.Long {
				v = strings.TrimSpace(v)
			}
			e.SetField(f.Name, v)
		}
	}
	return e, nil
}

// evidenceRefused turns an evidence rule's refusal into a 409 with its reason.
func evidenceRefused(err error, dp store.Dispute) error {
	if msg := store.EvidenceRefusal(err, dp); msg != "" {
		return apiError{http.StatusConflict, msg}
	}
	return err
}

// renderEvidenceError re-renders the dispute page with the form's message (422).
func (s *Server) renderEvidenceError(w http.ResponseWriter, r *http.Request, id int64, e store.Evidence, msg string) error {
	d, err := s.disputeData(r, id)
	if err != nil {
		return err
	}
	d.Evidence.Draft, d.Evidence.Error = e, msg
	return s.render(w, r, http.StatusUnprocessableEntity, views.DisputePage(s.shell(r, d.Dispute.StripeDisputeID), d))
}

// disputesEvidenceSave handles POST /disputes/{id}/evidence (the evidence
// fields): the draft is saved, audit-logged, and nothing goes to Stripe.
// Refused (409) once the dispute is closed, past its deadline or submitted.
func (s *Server) disputesEvidenceSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := disputeID(r)
	if err != nil {
		return err
	}
	dp, err := s.store.DisputeByID(ctx, id)
	if err != nil {
		return err
	}
	e, err := s.postedEvidence(r, id)
	if err != nil {
		return err
	}
	if p := e.Problem(); p != "" {
		return s.renderEvidenceError(w, r, id, e, p)
	}
	if err := s.store.SaveEvidenceDraft(ctx, id, e, currentUser(ctx).Email, time.Now()); err != nil {
		return evidenceRefused(err, dp)
	}
	s.flash(ctx, "ok", "Evidence draft saved. Nothing was sent to Stripe yet.")
	redirectAfterPost(w, r, fmt.Sprintf("/disputes/%d#dispute-evidence", id))
	return nil
}

// disputesEvidenceSubmit handles POST /disputes/{id}/evidence/submit (key and
// the evidence fields): the draft is saved, the submission row written, its
// Stripe call enqueued and the submission audited in one transaction. The
// form's key makes a double submit one submission; the row's ID makes
// Stripe's idempotency key. Refused (409) when this deployment cannot call
// Stripe, or the dispute is closed, past its deadline or already submitted.
func (s *Server) disputesEvidenceSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := disputeID(r)
	if err != nil {
		return err
	}
	dp, err := s.store.DisputeByID(ctx, id)
	if err != nil {
		return err
	}
	if s.cfg.StripeWriteRefusal != "" {
		return needsSetup{"stripe-api", "Submitting evidence from Switchboard is off: it has no working Stripe API key. Respond in Stripe's Dashboard before the deadline."}
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	if key == "" || len(key) > 64 {
		return badRequest("The evidence form has no key: reload the page and try again.")
	}
	e, err := s.postedEvidence(r, id)
	if err != nil {
		return err
	}
	if p := e.Problem(); p != "" {
		return s.renderEvidenceError(w, r, id, e, p)
	}
	if r.PostFormValue("confirm") != "yes" {
		return s.confirmEvidence(w, r, dp, key, e)
	}
	in := store.NewEvidenceSubmission{DisputeID: id, FormKey: key, SubmittedBy: currentUser(ctx).Email, Evidence: &e}
	created, err := s.submitEvidence(ctx, in)
	if errors.Is(err, store.ErrEvidenceEmpty) {
		return s.renderEvidenceError(w, r, id, e, store.EvidenceRefusal(err, dp))
	} else if err != nil {
		return evidenceRefused(err, dp)
	}
	if created {
		s.flash(ctx, "ok", "Evidence is on its way to Stripe. The dispute's status changes when Stripe says so.")
	} else {
		s.flash(ctx, "ok", "This evidence was already submitted; it is sent to Stripe once.")
	}
	redirectAfterPost(w, r, fmt.Sprintf("/disputes/%d#dispute-evidence", id))
	return nil
}

// confirmEvidence saves the draft and asks once more before the evidence
// goes to Stripe, which takes it once; refusals answer as the submit would.
func (s *Server) confirmEvidence(w http.ResponseWriter, r *http.Request, dp store.Dispute, key string, e store.Evidence) error {
	ctx := r.Context()
	subs, err := s.store.EvidenceSubmissions(ctx, dp.ID)
	if err != nil {
		return err
	}
	if err := store.CheckEvidence(dp, subs, time.Now()); err != nil {
		return evidenceRefused(err, dp)
	}
	if e.Empty() {
		return s.renderEvidenceError(w, r, dp.ID, e, store.EvidenceRefusal(store.ErrEvidenceEmpty, dp))
	}
	if err := s.store.SaveEvidenceDraft(ctx, dp.ID, e, currentUser(ctx).Email, time.Now()); err != nil {
		return evidenceRefused(err, dp)
	}
	d, err := s.disputeData(r, dp.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.EvidenceConfirm(s.shell(r, "Confirm the evidence"), d, key))
}

// submitEvidence records the submission, enqueues its job and audits it.
func (s *Server) submitEvidence(ctx context.Context, in store.NewEvidenceSubmission) (bool, error) {
	var created bool
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		sub, made, err := tx.CreateEvidenceSubmission(ctx, in, time.Now())
		if err != nil || !made {
			return err
		}
		created = true
		if _, err := s.jobs.InsertTx(ctx, tx.Tx(), jobs.DisputeEvidenceArgs{SubmissionID: sub.ID}, nil); err != nil {
			return err
		}
		return tx.Audit(ctx, in.SubmittedBy, "dispute.evidence_submit", fmt.Sprintf("dispute:%d", in.DisputeID), map[string]any{
			"summary": "evidence submission requested", "evidence_submission_id": sub.ID, "evidence": sub.Evidence,
			"idempotency_key": sub.IdempotencyKey()})
	})
	if errors.Is(err, store.ErrConflict) {
		// Another submission got in first (the unique index): Stripe takes evidence once.
		return false, store.ErrEvidenceSubmitted
	}
	return created, err
}
