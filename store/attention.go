package store

import "time"

// Attention item kinds: what needs someone, in the order the overview lists
// them (the most urgent first).
const (
	AttnEventFailed    = "event_failed"    // Ref: the event ID
	AttnEventHeld      = "event_held"      // Ref: the API version; Count events
	AttnEventRetrying  = "event_retrying"  // Ref: the event ID; Count: attempts so far
	AttnJobsFailed     = "jobs_failed"     // Count jobs discarded
	AttnJobsRetrying   = "jobs_retrying"   // Count jobs retryable
	AttnRefundFailed   = "refund_failed"   // Ref: our order ID; Label its name; StripeID its payment
	AttnEvidenceFailed = "evidence_failed" // Ref: our dispute ID; Label the Stripe dispute; At the deadline
	AttnDisputeDue     = "dispute_due"     // Ref: our dispute ID
	AttnPayoutFailed   = "payout_failed"   // Ref: the Stripe payout ID; AccountID the seller
	AttnCRMDegraded    = "crm_degraded"    // Count accounts failing to sync; AccountID the first
	AttnMailDegraded   = "mail_degraded"   // Count messages degraded or failed
	AttnEmailUnknown   = "email_unknown"   // Ref: the message ID
	AttnAppFailed      = "app_failed"      // Count: deliveries to the app that failed for good this week
)

// AttentionWindow is how close an evidence deadline must be for a dispute to
// need attention.
const AttentionWindow = 72 * time.Hour

// attentionPerKind is how many items of one kind the overview lists.
const attentionPerKind = 5

// AttentionItem is one thing that needs someone: a failed event, a dispute due
// soon, a degraded integration. Ref names the object; Count is how many
// (events held, jobs failed, accounts failing…) for items that stand for a
// set.
type AttentionItem struct {
	Kind      string     `db:"kind"`
	Ref       string     `db:"ref"`
	Label     string     `db:"label"`
	Detail    string     `db:"detail"`
	Count     int64      `db:"count"`
	AccountID *int64     `db:"account_id"`
	Amount    *int64     `db:"amount"`
	Currency  string     `db:"currency"`
	At        *time.Time `db:"at"`
	// Livemode says which Stripe dashboard has the object (events, payouts).
	Livemode bool `db:"livemode"`
	// StripeID is the Stripe object to act on in the Dashboard, if any.
	StripeID string `db:"stripe_id"`
	// MovesMoney marks a failed event that records money moving: it is to
	// be fixed and replayed, not ignored (set by the web layer).
	MovesMoney bool `db:"-"`
}
