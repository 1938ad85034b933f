package store

import (
	"time"
)

// Event statuses.
const (
	EventReceived  = "received"
	EventProcessed = "processed"
	EventFailed    = "failed"
	EventIgnored   = "ignored"
	EventHeld      = "held"
)

// Event is one row of the Stripe event ledger.
type Event struct {
	ID            string     `db:"id" json:"id"`
	Type          string     `db:"type" json:"type"`
	APIVersion    string     `db:"api_version" json:"api_version"`
	Livemode      bool       `db:"livemode" json:"livemode"`
	Created       time.Time  `db:"created" json:"created"`
	StripeAccount string     `db:"stripe_account" json:"stripe_account,omitempty"`
	ObjectID      string     `db:"object_id" json:"object_id,omitempty"`
	CustomerID    string     `db:"customer_id" json:"customer_id,omitempty"`
	Payload       []byte     `db:"payload" json:"-"`
	Status        string     `db:"status" json:"status"`
	Attempts      int        `db:"attempts" json:"attempts"`
	LastError     string     `db:"last_error" json:"last_error"`
	ReceivedAt    time.Time  `db:"received_at" json:"received_at"`
	ProcessedAt   *time.Time `db:"processed_at" json:"processed_at"`
	RequestID     string     `db:"request_id" json:"-"`
}

// NewEvent is what the webhook stores for one verified delivery.
type NewEvent struct {
	ID            string
	Type          string
	APIVersion    string
	Livemode      bool
	Created       time.Time
	StripeAccount string
	ObjectID      string
	CustomerID    string
	Payload       []byte
	Status        string // received, held or ignored
	LastError     string // why, for ignored and held
	RequestID     string
	Source        string // SourceWebhook when empty
}

// Where a stored event came from.
const (
	SourceWebhook   = "webhook"   // Stripe delivered it
	SourceReconcile = "reconcile" // fetched from Stripe's Events API because the ledger lacked it
	SourceDemo      = "demo"      // the demo loader
	SourceLookup    = "lookup"    // a Checkout session retrieved from Stripe for the success page
)
