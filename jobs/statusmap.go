package jobs

import "github.com/switchboardhq/switchboard/store"

// StatusMapping is one row of the table from a Stripe status to ours. Stripe's
// vocabulary stops here: nothing past this package sees it.
type StatusMapping struct {
	Object string // the Stripe object the status belongs to
	Stripe string // Stripe's value
	Ours   string // our value
	What   string // which of our fields it sets
}

// StatusTable is every Stripe status we receive and what it becomes. The console
// shows it read-only on the settings page; a test checks it covers every value
// Stripe documents.
var StatusTable = []StatusMapping{
	{"payment_intent", "requires_payment_method", store.PayPending, "order payment"},
	{"payment_intent", "requires_confirmation", store.PayPending, "order payment"},
	{"payment_intent", "requires_action", store.PayPending, "order payment"},
	{"payment_intent", "processing", store.PayPending, "order payment"},
	{"payment_intent", "requires_capture", store.PayPending, "order payment"},
	{"payment_intent", "canceled", store.PayFailed, "order payment"},
	{"payment_intent", "succeeded", store.PaySucceeded, "order payment"},

	{"charge", "pending", store.PayPending, "order payment"},
	{"charge", "failed", store.PayFailed, "order payment"},
	{"charge", "succeeded", store.PaySucceeded, "order payment"},

	{"checkout.session.payment_status", "unpaid", store.PayPending, "order payment"},
	{"checkout.session.payment_status", "paid", store.PaySucceeded, "order payment"},
	{"checkout.session.payment_status", "no_payment_required", store.PaySucceeded, "order payment"},

	{"subscription", "incomplete", store.SubPending, "subscription status"},
	{"subscription", "incomplete_expired", store.SubCanceled, "subscription status"},
	{"subscription", "trialing", store.SubActive, "subscription status"},
	{"subscription", "active", store.SubActive, "subscription status"},
	{"subscription", "past_due", store.SubPastDue, "subscription status"},
	{"subscription", "unpaid", store.SubPastDue, "subscription status"},
	{"subscription", "canceled", store.SubCanceled, "subscription status"},
	{"subscription", "paused", store.SubPaused, "subscription status"},

	{"invoice", "draft", "draft", "invoice status"},
	{"invoice", "open", "open", "invoice status"},
	{"invoice", "paid", "paid", "invoice status"},
	{"invoice", "uncollectible", "uncollectible", "invoice status"},
	{"invoice", "void", "void", "invoice status"},

	{"dispute", "warning_needs_response", store.QueueOpen, "dispute queue_state (status kept as Stripe's)"},
	{"dispute", "warning_under_review", store.QueueOpen, "dispute queue_state (status kept as Stripe's)"},
	{"dispute", "warning_closed", store.QueueClosed, "dispute queue_state (status kept as Stripe's)"},
	{"dispute", "needs_response", store.QueueOpen, "dispute queue_state (status kept as Stripe's)"},
	{"dispute", "under_review", store.QueueOpen, "dispute queue_state (status kept as Stripe's)"},
	{"dispute", "won", store.QueueClosed, "dispute queue_state (status kept as Stripe's)"},
	{"dispute", "lost", store.QueueClosed, "dispute queue_state (status kept as Stripe's)"},
	{"dispute", "prevented", store.QueueClosed, "dispute queue_state (status kept as Stripe's)"},

	{"refund", "pending", "pending", "refund status (counts toward refunded_amount)"},
	{"refund", "requires_action", "requires_action", "refund status"},
	{"refund", "succeeded", "succeeded", "refund status (counts toward refunded_amount)"},
	{"refund", "failed", "failed", "refund status"},
	{"refund", "canceled", "canceled", "refund status"},

	{"payout", "pending", "pending", "seller payout status"},
	{"payout", "in_transit", "in_transit", "seller payout status"},
	{"payout", "paid", "paid", "seller payout status"},
	{"payout", "failed", "failed", "seller payout status"},
	{"payout", "canceled", "canceled", "seller payout status"},
}

var statusIndex = func() map[[2]string]string {
	m := make(map[[2]string]string, len(StatusTable))
	for _, r := range StatusTable {
		m[[2]string{r.Object, r.Stripe}] = r.Ours
	}
	return m
}()

// MapStatus translates a Stripe status of an object kind; ok is false for a value
// the table does not know (a status Stripe added after this build).
func MapStatus(object, stripeStatus string) (ours string, ok bool) {
	ours, ok = statusIndex[[2]string{object, stripeStatus}]
	return ours, ok
}
