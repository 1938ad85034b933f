package store

import (
	"strconv"
	"time"
)

// Order is one marketplace payment: one per PaymentIntent.
type Order struct {
	ID                      int64     `db:"id" json:"id"`
	Reference               string    `db:"reference" json:"reference"`
	BuyerAccountID          *int64    `db:"buyer_account_id" json:"buyer_account_id"`
	SellerAccountID         *int64    `db:"seller_account_id" json:"seller_account_id"`
	Status                  string    `db:"status" json:"status"`
	Payment                 string    `db:"payment" json:"-"`
	Dispute                 string    `db:"dispute" json:"-"`
	Amount                  int64     `db:"amount" json:"amount"`
	RefundedAmount          int64     `db:"refunded_amount" json:"refunded_amount"`
	Currency                string    `db:"currency" json:"currency"`
	StripeCheckoutSessionID *string   `db:"stripe_checkout_session_id" json:"stripe_checkout_session_id"`
	StripePaymentIntentID   *string   `db:"stripe_payment_intent_id" json:"stripe_payment_intent_id"`
	StripeChargeID          *string   `db:"stripe_charge_id" json:"-"`
	LastError               string    `db:"last_error" json:"-"`
	CreatedAt               time.Time `db:"created_at" json:"created_at"`
	UpdatedAt               time.Time `db:"updated_at" json:"updated_at"`
}

// Facts returns the order's monotonic facts.
func (o Order) Facts() OrderFacts {
	return OrderFacts{Payment: o.Payment, Dispute: o.Dispute, Amount: o.Amount, RefundedAmount: o.RefundedAmount}
}

// OrderUpsert is what one payment event tells us about an order. Empty fields
// leave what is stored alone; Facts merge with the stored facts.
type OrderUpsert struct {
	PaymentIntentID   string
	CheckoutSessionID string
	ChargeID          string
	Reference         string
	BuyerAccountID    *int64
	SellerAccountID   *int64
	Currency          string
	Facts             OrderFacts
	LastError         string
}

// OrderChange says what an upsert did.
type OrderChange struct {
	Order      Order
	Created    bool
	FromStatus string
}

// Refund is one Stripe refund.
type Refund struct {
	StripeRefundID        string
	StripePaymentIntentID string
	StripeChargeID        string
	Amount                int64
	Currency              string
	Status                string
}

// Dispute is one Stripe dispute and its place in our dispute queue.
type Dispute struct {
	ID                    int64      `db:"id" json:"id"`
	StripeDisputeID       string     `db:"stripe_dispute_id" json:"stripe_dispute_id"`
	OrderID               *int64     `db:"order_id" json:"order_id"`
	AccountID             *int64     `db:"account_id" json:"account_id"`
	StripeChargeID        *string    `db:"stripe_charge_id" json:"-"`
	StripePaymentIntentID *string    `db:"stripe_payment_intent_id" json:"-"`
	Status                string     `db:"status" json:"status"` // Stripe's word, for display
	Stage                 string     `db:"stage" json:"-"`       // ours: DisputeStageNeedsResponse…
	QueueState            string     `db:"queue_state" json:"queue_state"`
	Amount                int64      `db:"amount" json:"amount"`
	Currency              string     `db:"currency" json:"currency"`
	Reason                string     `db:"reason" json:"reason"`
	EvidenceDueBy         *time.Time `db:"evidence_due_by" json:"evidence_due_by"`
	AssignedUserID        *int64     `db:"assigned_user_id" json:"-"`
	CreatedAt             time.Time  `db:"created_at" json:"-"`
	UpdatedAt             time.Time  `db:"updated_at" json:"-"`
}

// DisputeUpsert is what a dispute event tells us.
type DisputeUpsert struct {
	StripeDisputeID       string
	StripeChargeID        string
	StripePaymentIntentID string
	Status                string // Stripe's word, kept for display
	Stage                 string // ours, which decides: jobs maps Status to it
	Amount                int64
	Currency              string
	Reason                string
	EvidenceDueBy         *time.Time
}

// Subscription is one Stripe subscription in our vocabulary.
type Subscription struct {
	StripeSubscriptionID string
	AccountID            *int64
	Status               string // ours: pending, active, past_due, paused, canceled
	StripeStatus         string
	PlanTier             string
	CurrentPeriodEnd     *time.Time
	CanceledAt           *time.Time
	SeenAt               time.Time
}

// Invoice is one Stripe invoice in our vocabulary.
type Invoice struct {
	StripeInvoiceID       string
	AccountID             *int64
	StripeSubscriptionID  string
	StripePaymentIntentID string
	Status                string // draft, open, paid, payment_failed, void, uncollectible
	AmountDue             int64
	AmountPaid            int64
	Currency              string
	AttemptCount          int
}

// Payout is a Connect seller's payout.
type Payout struct {
	StripePayoutID  string
	StripeAccountID string
	AccountID       *int64
	Status          string
	Amount          int64
	Currency        string
	FailureCode     string
	FailureMessage  string
}

// Label names the order as the founder knows it: the marketplace's reference
// (ORD-1001), else our number.
func (o Order) Label() string {
	if o.Reference != "" {
		return o.Reference
	}
	return "order " + strconv.FormatInt(o.ID, 10)
}
