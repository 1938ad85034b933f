package stripefake

import (
	"net/http"
	"strings"
	"time"
)

// dispute is a dispute the fake takes evidence for.
type dispute struct {
	id, account, charge, reason, status string
	amount                              int64
	currency                            string
	live                                bool
	evidence                            map[string]string
	submissions                         int
}

// DisputeSubmission is one dispute update the fake accepted.
type DisputeSubmission struct {
	DisputeID string
	// Account is the Stripe-Account the update came with ("" for the platform).
	Account  string
	Evidence map[string]string
	Submit   bool
	Metadata map[string]string
}

// Dispute errors the fake can be scripted to answer (DisputeError).
const (
	// DisputeAlreadySubmitted is a 400: Stripe has the evidence already.
	DisputeAlreadySubmitted = "evidence_already_submitted"
	// DisputeInvalid is a 400 invalid_request_error about the evidence.
	DisputeInvalid = "invalid_evidence"
)

// disputeEvidence are the evidence fields Stripe's text and file fields take.
var disputeEvidence = map[string]bool{
	"access_activity_log": true, "billing_address": true, "cancellation_policy": true,
	"cancellation_policy_disclosure": true, "cancellation_rebuttal": true, "customer_communication": true,
	"customer_email_address": true, "customer_name": true, "customer_purchase_ip": true, "customer_signature": true,
	"duplicate_charge_documentation": true, "duplicate_charge_explanation": true, "duplicate_charge_id": true,
	"product_description": true, "receipt": true, "refund_policy": true, "refund_policy_disclosure": true,
	"refund_refusal_explanation": true, "service_date": true, "service_documentation": true,
	"shipping_address": true, "shipping_carrier": true, "shipping_date": true, "shipping_documentation": true,
	"shipping_tracking_number": true, "uncategorized_file": true, "uncategorized_text": true,
}

// AddDispute makes a test-mode dispute known: on the platform (account "")
// or on a connected account, which then answers only with Stripe-Account.
func (s *Stripe) AddDispute(id, account, reason string, amount int64, currency string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disputes[id] = &dispute{id: id, account: account, charge: "ch_" + randHex(12), reason: reason,
		status: "needs_response", amount: amount, currency: currency, evidence: map[string]string{}}
	if account != "" {
		s.connected[account] = true
	}
}

// DisputeError makes the next dispute updates fail with code
// (DisputeAlreadySubmitted, DisputeInvalid), one each, in order.
func (s *Stripe) DisputeError(codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disputeErr = append(s.disputeErr, codes...)
}

// DisputeSubmissions returns the dispute updates accepted so far (an
// idempotent replay is not a new one).
func (s *Stripe) DisputeSubmissions() []DisputeSubmission {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]DisputeSubmission(nil), s.disputeSubs...)
}

// updateDispute checks a dispute update's parameters, records the evidence
// and, with submit (Stripe's default), submits it; s.mu is held.
func (s *Stripe) updateDispute(r *http.Request, id, account string, live bool) (int, any) {
	fail := func(e *apiError) (int, any) { return e.status, map[string]any{"error": e} }
	f := r.PostForm
	for k := range f {
		base, rest, _ := strings.Cut(k, "[")
		switch {
		case base == "evidence" && disputeEvidence[strings.TrimSuffix(rest, "]")]:
		case base == "submit" || base == "metadata" || base == "expand":
		default:
			return fail(invalid(400, "parameter_unknown", k, "Received unknown parameter: %s", k))
		}
	}
	d := s.disputes[id]
	if d == nil || d.live != live || d.account != account {
		return fail(invalid(404, "resource_missing", "dispute", "No such dispute: '%s'", id))
	}
	submit := true
	switch v := f.Get("submit"); v {
	case "", "true":
	case "false":
		submit = false
	default:
		return fail(invalid(400, "", "submit", "Invalid boolean: %s", v))
	}
	if d.status != "needs_response" && d.status != "warning_needs_response" {
		return fail(invalid(400, "", "", "This dispute is already closed or its evidence was already submitted (status %s).", d.status))
	}
	if len(s.disputeErr) > 0 {
		code := s.disputeErr[0]
		s.disputeErr = s.disputeErr[1:]
		if code == DisputeAlreadySubmitted {
			return fail(invalid(400, code, "", "Evidence for this dispute has already been submitted."))
		}
		return fail(invalid(400, code, "evidence", "The evidence could not be accepted: uncategorized_text is too long."))
	}
	for k, v := range f {
		if name, ok := strings.CutPrefix(k, "evidence["); ok {
			d.evidence[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	if submit {
		d.status = "under_review"
		d.submissions++
	}
	sub := DisputeSubmission{DisputeID: id, Account: account, Evidence: map[string]string{}, Metadata: map[string]string{}, Submit: submit}
	for k, v := range f {
		if name, ok := strings.CutPrefix(k, "evidence["); ok {
			sub.Evidence[strings.TrimSuffix(name, "]")] = v[0]
		}
		if name, ok := strings.CutPrefix(k, "metadata["); ok {
			sub.Metadata[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	s.disputeSubs = append(s.disputeSubs, sub)
	ev := map[string]any{}
	for k := range disputeEvidence {
		ev[k] = nullStr(d.evidence[k])
	}
	return http.StatusOK, map[string]any{
		"id": d.id, "object": "dispute", "amount": d.amount, "currency": d.currency, "charge": d.charge,
		"reason": d.reason, "status": d.status, "livemode": d.live, "evidence": ev, "metadata": map[string]any{},
		"evidence_details": map[string]any{"due_by": s.now().Add(72 * time.Hour).Unix(), "has_evidence": len(d.evidence) > 0,
			"past_due": false, "submission_count": d.submissions},
		"created": s.now().Unix(), "is_charge_refundable": false, "balance_transactions": []any{},
	}
}
