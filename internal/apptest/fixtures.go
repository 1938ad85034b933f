package apptest

import "time"

// The builders below return Stripe objects in the shapes Stripe publishes for
// API version 2023-10-16 (only the fields Switchboard reads, plus a few
// neighbours so decoding sees realistic payloads).

// Customer is a customer object.
func Customer(id, email, name string) map[string]any {
	return map[string]any{
		"id": id, "object": "customer", "email": nullable(email), "name": nullable(name),
		"created": time.Now().Unix(), "livemode": false, "metadata": map[string]any{},
		"currency": nil, "delinquent": false, "description": nil,
	}
}

// PaymentIntent is a payment_intent object.
func PaymentIntent(id string, amount int64, currency, customer, status string, meta map[string]string) map[string]any {
	if meta == nil {
		meta = map[string]string{}
	}
	return map[string]any{
		"id": id, "object": "payment_intent", "amount": amount, "amount_received": amountIf(status == "succeeded", amount),
		"currency": currency, "customer": nullable(customer), "status": status, "metadata": meta,
		"invoice": nil, "latest_charge": nil, "receipt_email": nil, "livemode": false,
		"created": time.Now().Unix(), "last_payment_error": nil, "transfer_data": nil, "on_behalf_of": nil,
		"payment_method_types": []string{"card"}, "capture_method": "automatic",
	}
}

// Charge is a charge object.
func Charge(id, pi string, amount, refunded int64, currency, customer, email, status string, meta map[string]string) map[string]any {
	if meta == nil {
		meta = map[string]string{}
	}
	return map[string]any{
		"id": id, "object": "charge", "amount": amount, "amount_captured": amount, "amount_refunded": refunded,
		"refunded": refunded >= amount && amount > 0, "currency": currency, "customer": nullable(customer),
		"payment_intent": nullable(pi), "status": status, "paid": status == "succeeded", "captured": true,
		"billing_details": map[string]any{"email": nullable(email), "name": nil, "address": nil, "phone": nil},
		"receipt_email":   nil, "metadata": meta, "invoice": nil, "livemode": false, "created": time.Now().Unix(),
		"failure_code": nil, "failure_message": nil, "disputed": false, "transfer_data": nil, "on_behalf_of": nil,
	}
}

// CheckoutSession is a checkout.session object in payment mode.
func CheckoutSession(id, pi string, amount int64, currency, customer, email, name, orderID string) map[string]any {
	meta := map[string]string{}
	if orderID != "" {
		meta["order_id"] = orderID
	}
	return map[string]any{
		"id": id, "object": "checkout.session", "mode": "payment", "status": "complete",
		"payment_status": "paid", "payment_intent": nullable(pi), "amount_total": amount, "amount_subtotal": amount,
		"currency": currency, "customer": nullable(customer), "client_reference_id": nil,
		"customer_details": map[string]any{"email": nullable(email), "name": nullable(name), "address": nil, "phone": nil, "tax_exempt": "none", "tax_ids": []any{}},
		"metadata":         meta, "livemode": false, "created": time.Now().Unix(), "subscription": nil, "invoice": nil,
	}
}

// Refund is a refund object.
func Refund(id, charge, pi string, amount int64, currency, status string) map[string]any {
	return map[string]any{
		"id": id, "object": "refund", "amount": amount, "charge": nullable(charge), "payment_intent": nullable(pi),
		"currency": currency, "status": status, "reason": nil, "metadata": map[string]any{}, "created": time.Now().Unix(),
	}
}

// Dispute is a dispute object.
func Dispute(id, charge, pi string, amount int64, currency, status, reason string, dueBy time.Time) map[string]any {
	return map[string]any{
		"id": id, "object": "dispute", "amount": amount, "charge": charge, "payment_intent": nullable(pi),
		"currency": currency, "status": status, "reason": reason, "livemode": false, "created": time.Now().Unix(),
		"evidence_details":     map[string]any{"due_by": dueBy.Unix(), "has_evidence": false, "past_due": false, "submission_count": 0},
		"is_charge_refundable": false, "metadata": map[string]any{}, "balance_transactions": []any{},
	}
}

// Subscription is a subscription object with one price.
func Subscription(id, customer, status, lookupKey string, periodEnd time.Time) map[string]any {
	return map[string]any{
		"id": id, "object": "subscription", "customer": customer, "status": status,
		"current_period_end": periodEnd.Unix(), "current_period_start": periodEnd.AddDate(0, -1, 0).Unix(),
		"canceled_at": nil, "ended_at": nil, "cancel_at_period_end": false, "metadata": map[string]any{},
		"livemode": false, "created": time.Now().Unix(),
		"items": map[string]any{"object": "list", "has_more": false, "url": "/v1/subscription_items", "data": []any{
			map[string]any{"id": NewID("si"), "object": "subscription_item", "quantity": 1,
				"price": map[string]any{"id": NewID("price"), "object": "price", "lookup_key": nullable(lookupKey),
					"nickname": nil, "unit_amount": 2900, "currency": "usd", "metadata": map[string]any{}}},
		}},
	}
}

// Invoice is an invoice object.
func Invoice(id, customer, sub, pi, status string, amountDue, amountPaid int64, attempts int) map[string]any {
	return map[string]any{
		"id": id, "object": "invoice", "customer": customer, "subscription": nullable(sub),
		"payment_intent": nullable(pi), "status": status, "amount_due": amountDue, "amount_paid": amountPaid,
		"amount_remaining": amountDue - amountPaid, "currency": "usd", "attempt_count": attempts, "attempted": attempts > 0,
		"billing_reason": "subscription_cycle", "customer_email": nil, "customer_name": nil,
		"livemode": false, "created": time.Now().Unix(), "metadata": map[string]any{},
	}
}

// ConnectAccount is a Connect account object.
func ConnectAccount(id, email, businessName string) map[string]any {
	return map[string]any{
		"id": id, "object": "account", "email": nullable(email), "type": "express",
		"business_profile": map[string]any{"name": nullable(businessName), "url": nil},
		"charges_enabled":  true, "payouts_enabled": true, "details_submitted": true, "metadata": map[string]any{},
	}
}

// Payout is a payout object.
func Payout(id string, amount int64, status, failureCode, failureMessage string) map[string]any {
	return map[string]any{
		"id": id, "object": "payout", "amount": amount, "currency": "usd", "status": status,
		"failure_code": nullable(failureCode), "failure_message": nullable(failureMessage),
		"arrival_date": time.Now().Add(48 * time.Hour).Unix(), "created": time.Now().Unix(), "livemode": false,
		"method": "standard", "type": "bank_account", "metadata": map[string]any{},
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func amountIf(ok bool, n int64) int64 {
	if ok {
		return n
	}
	return 0
}
