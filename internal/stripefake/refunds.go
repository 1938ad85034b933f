package stripefake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// charge is a payment the fake can refund.
type charge struct {
	id, pi, currency string
	amount, refunded int64
	live             bool
}

// idemResult is the saved answer of a request with an Idempotency-Key.
type idemResult struct {
	params string
	status int
	body   any
}

// Refund errors the fake can be scripted to answer (RefundError).
const (
	// CardDeclined is a 402 card_error: the card refused the refund.
	CardDeclined = "card_declined"
	// BalanceInsufficient is a 400: the balance cannot cover the refund.
	BalanceInsufficient = "balance_insufficient"
)

// AddCharge makes a test-mode payment refundable: charge id, its
// PaymentIntent pi (may be empty), amount and currency.
func (s *Stripe) AddCharge(id, pi string, amount int64, currency string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.charges[id] = &charge{id: id, pi: pi, amount: amount, currency: currency}
}

// RefundError makes the next refund creations fail with code
// (CardDeclined, BalanceInsufficient), one each, in order.
func (s *Stripe) RefundError(codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refundErr = append(s.refundErr, codes...)
}

// Refunds returns the refunds created so far.
func (s *Stripe) Refunds() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.refunds...)
}

// post answers a POST: POST /v1/refunds and POST /v1/disputes/{id} exist
// here. With an Idempotency-Key, the first answer (but a 5xx) is saved and
// replayed to every request with the same key and parameters, and a request
// with the same key and other parameters is refused, as Stripe does.
func (s *Stripe) post(w http.ResponseWriter, r *http.Request, key string, allowed map[string]bool) (int, any) {
	fail := func(e *apiError) (int, any) { return e.status, map[string]any{"error": e} }
	resource, disputeID := WriteRefunds, ""
	switch rest, ok := strings.CutPrefix(r.URL.Path, "/v1/disputes/"); {
	case r.URL.Path == "/v1/refunds":
	case ok && rest != "" && !strings.Contains(rest, "/"):
		resource, disputeID = WriteDisputes, rest
	default:
		return fail(invalid(404, "", "", "Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.", r.Method, r.URL.Path))
	}
	if allowed != nil && !allowed[resource] {
		return fail(&apiError{status: 403, Type: "invalid_request_error",
			Message: fmt.Sprintf("The provided key '%s' does not have the required permissions for this endpoint on account '%s'. Having the 'rak_%s_write' permission would allow this request to continue.", maskKey(key), s.AccountID, strings.TrimSuffix(resource, "s"))})
	}
	if err := r.ParseForm(); err != nil || len(r.URL.Query()) > 0 {
		return fail(invalid(400, "", "", "Invalid request body"))
	}
	idemKey := r.Header.Get("Idempotency-Key")
	params := r.PostForm.Encode()
	account := r.Header.Get("Stripe-Account")
	s.mu.Lock()
	defer s.mu.Unlock()
	// Stripe scopes idempotency keys to the account the request acts on.
	idem := key + " " + account + " " + idemKey
	if idemKey != "" {
		if prev, ok := s.idem[idem]; ok {
			if prev.params != params {
				return fail(&apiError{status: 400, Type: "idempotency_error", Message: fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '%s' if you meant to execute a different request.", idemKey)})
			}
			w.Header().Set("Idempotent-Replayed", "true")
			return prev.status, prev.body
		}
	}
	var status int
	var body any
	if disputeID != "" {
		status, body = s.updateDispute(r, disputeID, account, strings.Contains(key, "_live_"))
	} else {
		status, body = s.createRefund(r, strings.Contains(key, "_live_"))
	}
	if idemKey != "" && status < 500 {
		s.idem[idem] = idemResult{params: params, status: status, body: body}
	}
	return status, body
}

// createRefund checks a refund's parameters and refunds; s.mu is held.
func (s *Stripe) createRefund(r *http.Request, live bool) (int, any) {
	fail := func(e *apiError) (int, any) { return e.status, map[string]any{"error": e} }
	f := r.PostForm
	for k := range f {
		base, _, _ := strings.Cut(k, "[")
		switch base {
		case "amount", "charge", "payment_intent", "reason", "metadata", "expand":
		default:
			return fail(invalid(400, "parameter_unknown", k, "Received unknown parameter: %s", k))
		}
	}
	var c *charge
	switch ch, pi := f.Get("charge"), f.Get("payment_intent"); {
	case ch == "" && pi == "":
		return fail(invalid(400, "parameter_missing", "", "One of the following params should be provided for this request: payment_intent or charge."))
	case ch != "":
		c = s.charges[ch]
		if c == nil || c.live != live {
			return fail(invalid(400, "resource_missing", "charge", "No such charge: '%s'", ch))
		}
	default:
		for _, x := range s.charges {
			if x.pi == pi && x.live == live {
				c = x
			}
		}
		if c == nil {
			return fail(invalid(400, "resource_missing", "payment_intent", "No such payment_intent: '%s'", pi))
		}
	}
	reason := f.Get("reason")
	switch reason {
	case "", "duplicate", "fraudulent", "requested_by_customer":
	default:
		return fail(invalid(400, "", "reason", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer"))
	}
	amount := c.amount - c.refunded
	if v := f.Get("amount"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return fail(invalid(400, "", "amount", "Invalid positive integer"))
		}
		amount = n
	}
	if c.refunded >= c.amount {
		return fail(invalid(400, "charge_already_refunded", "", "Charge %s has already been refunded.", c.id))
	}
	if amount > c.amount-c.refunded {
		return fail(invalid(400, "amount_too_large", "amount", "Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, c.amount-c.refunded))
	}
	if len(s.refundErr) > 0 {
		code := s.refundErr[0]
		s.refundErr = s.refundErr[1:]
		if code == CardDeclined {
			return fail(&apiError{status: 402, Type: "card_error", Code: CardDeclined, Message: "Your card was declined."})
		}
		return fail(invalid(400, code, "", "You have insufficient funds in your Stripe account for this refund. Your card balance is too low. You can use the /v1/balance endpoint to view your Stripe balance (for more details, see stripe.com/docs/api#balance)."))
	}
	c.refunded += amount
	meta := map[string]any{}
	for k, v := range f {
		if name, ok := strings.CutPrefix(k, "metadata["); ok {
			meta[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	ref := map[string]any{
		"id": "re_" + randHex(12), "object": "refund", "amount": amount, "charge": c.id, "payment_intent": nullStr(c.pi),
		"currency": c.currency, "status": "succeeded", "reason": nullStr(reason), "metadata": meta,
		"created": s.now().Unix(), "balance_transaction": "txn_" + randHex(12),
	}
	s.refunds = append(s.refunds, ref)
	return http.StatusOK, ref
}

func nullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}
