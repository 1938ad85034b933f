package jobs

import (
	"strings"

	"github.com/switchboardhq/switchboard/store"
)

// StatusMapping is one row of the table from a Stripe status to ours. Stripe's
// vocabulary stops here: store sees only ours (a dispute keeps Stripe's word
// beside our stage, for display, but only the stage decides anything).
type StatusMapping struct {
	Object string // the Stripe object the status belongs to
	// Event, when set, makes the row apply only to that event type: the event
	// says more than the object's status (payment_intent.payment_failed
	// arrives with the status requires_payment_method).
	Event  string
	Stripe string // Stripe's value; AnyStatus in an Event row matches every one
	Ours   string // our value
	What   string // which of our fields it sets
}

// AnyStatus in an Event row matches every status of the object.
const AnyStatus = "*"

// StatusTable is every Stripe status we receive and what it becomes, with the
// event types that override the status. It is the only place Stripe's statuses
// are translated: the appliers call MapStatus. The console shows it read-only
// on the settings page; a test checks it covers every value Stripe documents.
var StatusTable = []StatusMapping{
	{"payment_intent", "", "requires_payment_method", store.PayPending, "order payment"},
	{"payment_intent", "", "requires_confirmation", store.PayPending, "order payment"},
	{"payment_intent", "", "requires_action", store.PayPending, "order payment"},
	{"payment_intent", "", "processing", store.PayPending, "order payment"},
	{"payment_intent", "", "requires_capture", store.PayPending, "order payment"},
	{"payment_intent", "", "canceled", store.PayFailed, "order payment"},
	{"payment_intent", "", "succeeded", store.PaySucceeded, "order payment"},

	{"charge", "", "pending", store.PayPending, "order payment"},
	{"charge", "", "failed", store.PayFailed, "order payment"},
	{"charge", "", "succeeded", store.PaySucceeded, "order payment"},

	{"checkout.session.payment_status", "", "unpaid", store.PayPending, "order payment"},
	{"checkout.session.payment_status", "", "paid", store.PaySucceeded, "order payment"},
	{"checkout.session.payment_status", "", "no_payment_required", store.PaySucceeded, "order payment"},

	{"subscription", "", "incomplete", store.SubPending, "subscription status"},
	{"subscription", "", "incomplete_expired", store.SubCanceled, "subscription status"},
	{"subscription", "", "trialing", store.SubActive, "subscription status"},
	{"subscription", "", "active", store.SubActive, "subscription status"},
	{"subscription", "", "past_due", store.SubPastDue, "subscription status"},
	{"subscription", "", "unpaid", store.SubPastDue, "subscription status"},
	{"subscription", "", "canceled", store.SubCanceled, "subscription status"},
	{"subscription", "", "paused", store.SubPaused, "subscription status"},

	{"invoice", "", "draft", "draft", "invoice status"},
	{"invoice", "", "open", "open", "invoice status"},
	{"invoice", "", "paid", "paid", "invoice status"},
	{"invoice", "", "uncollectible", "uncollectible", "invoice status"},
	{"invoice", "", "void", "void", "invoice status"},

	{"dispute", "", "warning_needs_response", store.DisputeStageNeedsResponse, "dispute stage (status kept as Stripe's; closed stages close the queue)"},
	{"dispute", "", "warning_under_review", store.DisputeStageUnderReview, "dispute stage (status kept as Stripe's; closed stages close the queue)"},
	{"dispute", "", "warning_closed", store.DisputeStageWon, "dispute stage (status kept as Stripe's; closed stages close the queue)"},
	{"dispute", "", "needs_response", store.DisputeStageNeedsResponse, "dispute stage (status kept as Stripe's; closed stages close the queue)"},
	{"dispute", "", "under_review", store.DisputeStageUnderReview, "dispute stage (status kept as Stripe's; closed stages close the queue)"},
	{"dispute", "", "won", store.DisputeStageWon, "dispute stage (status kept as Stripe's; closed stages close the queue)"},
	{"dispute", "", "lost", store.DisputeStageLost, "dispute stage (status kept as Stripe's; closed stages close the queue)"},
	{"dispute", "", "prevented", store.DisputeStageWon, "dispute stage (status kept as Stripe's; closed stages close the queue)"},
	{"dispute", "", "charge_refunded", store.DisputeStageRefunded, "dispute stage (status kept as Stripe's; closed stages close the queue)"},

	{"refund", "", "pending", "pending", "refund status (counts toward refunded_amount)"},
	{"refund", "", "requires_action", "requires_action", "refund status"},
	{"refund", "", "succeeded", "succeeded", "refund status (counts toward refunded_amount)"},
	{"refund", "", "failed", "failed", "refund status"},
	{"refund", "", "canceled", "canceled", "refund status"},

	{"payout", "", "pending", "pending", "seller payout status"},
	{"payout", "", "in_transit", "in_transit", "seller payout status"},
	{"payout", "", "paid", "paid", "seller payout status"},
	{"payout", "", "failed", "failed", "seller payout status"},
	{"payout", "", "canceled", "canceled", "seller payout status"},

	// Event types that say more than the object's status.
	{"checkout.session.payment_status", "checkout.session.async_payment_failed", AnyStatus, store.PayFailed, "order payment"},
	{"checkout.session.payment_status", "checkout.session.expired", AnyStatus, store.PayFailed, "order payment"},
	{"payment_intent", "payment_intent.payment_failed", AnyStatus, store.PayFailed, "order payment"},
	{"subscription", "customer.subscription.deleted", AnyStatus, store.SubCanceled, "subscription status"},
	{"invoice", "invoice.payment_failed", AnyStatus, "payment_failed", "invoice status (the subscription turns past due)"},
	{"invoice", "invoice.payment_failed", "paid", "paid", "invoice status (paid by a later attempt)"},
	{"payout", "payout.failed", AnyStatus, "failed", "seller payout status"},
}

var statusIndex = func() map[[3]string]string {
	m := make(map[[3]string]string, len(StatusTable))
	for _, r := range StatusTable {
		m[[3]string{r.Object, r.Event, r.Stripe}] = r.Ours
	}
	return m
}()

// MapStatus translates a Stripe status of an object kind, as an event of type
// evtType reports it: a row for the event and status wins, then a row for the
// event and any status, then the object's row for the status. ok is false for
// a value the table does not know (a status Stripe added after this build).
func MapStatus(object, evtType, stripeStatus string) (ours string, ok bool) {
	for _, k := range [][3]string{{object, evtType, stripeStatus}, {object, evtType, AnyStatus}, {object, "", stripeStatus}} {
		if ours, ok = statusIndex[k]; ok {
			return ours, true
		}
	}
	return "", false
}

// MovesMoney reports whether a Stripe event type records money moving (a
// payment, refund, dispute, payout or paid invoice): ignoring one would leave
// an order or an account wrong, so the console warns before it does.
func MovesMoney(eventType string) bool {
	for _, p := range []string{"payment_intent.", "charge.", "refund.", "checkout.session.", "invoice.pa", "payout.", "transfer."} {
		if strings.HasPrefix(eventType, p) {
			return true
		}
	}
	return false
}
