package jobs

import "github.com/switchboardhq/switchboard/store"

// ChartEventTypes are the Stripe event types behind the overview's charts:
// Stripe's vocabulary stays here, the store counts what it is given.
var ChartEventTypes = store.ChartEventTypes{
	PaymentsSucceeded: []string{"payment_intent.succeeded"},
	PaymentsFailed:    []string{"payment_intent.payment_failed"},
	Refunds:           []string{"charge.refunded"},
	Disputes:          []string{"charge.dispute.created"},
}
