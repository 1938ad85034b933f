package store

// Account payment states (DESIGN.md).
const (
	PaymentNone     = "none"
	PaymentPending  = "pending"
	PaymentActive   = "active"
	PaymentPastDue  = "past_due"
	PaymentRefunded = "refunded"
	PaymentDisputed = "disputed"
	PaymentCanceled = "canceled"
)

// Order statuses (DESIGN.md).
const (
	OrderPending           = "pending"
	OrderPaid              = "paid"
	OrderFailed            = "failed"
	OrderPartiallyRefunded = "partially_refunded"
	OrderRefunded          = "refunded"
	OrderDisputed          = "disputed"
	OrderChargedBack       = "charged_back"
)

// Payment facts of an order, in precedence order: a later fact never gives way to
// an earlier one (a card can fail and then succeed, never the reverse).
const (
	PayPending   = "pending"
	PayFailed    = "failed"
	PaySucceeded = "succeeded"
)

// Dispute facts of an order.
const (
	DisputeNone = "none"
	DisputeOpen = "open"
	DisputeWon  = "won"
	DisputeLost = "lost"
)

// Subscription statuses in our vocabulary.
const (
	SubPending  = "pending"
	SubActive   = "active"
	SubPastDue  = "past_due"
	SubPaused   = "paused"
	SubCanceled = "canceled"
)

var payRank = map[string]int{PayPending: 0, PayFailed: 1, PaySucceeded: 2}
var disputeRank = map[string]int{DisputeNone: 0, DisputeOpen: 1, DisputeWon: 2, DisputeLost: 2}

// OrderFacts are the monotonic facts an order's status is derived from. Merging
// facts from events in any order gives the same result, which is what keeps an
// order's state from moving backwards.
type OrderFacts struct {
	Payment        string
	Dispute        string
	Amount         int64
	RefundedAmount int64
}

// Merge returns the facts that hold once both f and g are known.
func (f OrderFacts) Merge(g OrderFacts) OrderFacts {
	out := f
	if payRank[g.Payment] > payRank[out.Payment] {
		out.Payment = g.Payment
	}
	if disputeRank[g.Dispute] > disputeRank[out.Dispute] {
		out.Dispute = g.Dispute
	}
	if g.Amount > out.Amount {
		out.Amount = g.Amount
	}
	if g.RefundedAmount > out.RefundedAmount {
		out.RefundedAmount = g.RefundedAmount
	}
	return out
}

// Status derives the order status. A lost dispute is final; an open one shows;
// a won dispute falls back to whatever the other facts say, which is the status
// the order had before the dispute.
func (f OrderFacts) Status() string {
	switch {
	case f.Dispute == DisputeLost:
		return OrderChargedBack
	case f.Dispute == DisputeOpen:
		return OrderDisputed
	case f.RefundedAmount > 0 && f.RefundedAmount >= f.Amount:
		return OrderRefunded
	case f.RefundedAmount > 0:
		return OrderPartiallyRefunded
	case f.Payment == PaySucceeded:
		return OrderPaid
	case f.Payment == PayFailed:
		return OrderFailed
	default:
		return OrderPending
	}
}

// AccountFacts summarise what an account has, for its payment state.
type AccountFacts struct {
	OpenDisputes    int
	PastDueSubs     int // past_due or unpaid
	ActiveSubs      int // active or trialing
	CanceledSubs    int
	PaidOrders      int // paid and not fully refunded (includes partially refunded)
	Orders          int
	RefundedOrders  int // fully refunded or charged back
	PendingPayments int // orders or subscriptions started and not completed
}

// AccountPaymentState is DESIGN.md's summary rule: the first match wins.
func AccountPaymentState(f AccountFacts) string {
	switch {
	case f.OpenDisputes > 0:
		return PaymentDisputed
	case f.PastDueSubs > 0:
		return PaymentPastDue
	case f.ActiveSubs > 0 || f.PaidOrders > 0:
		return PaymentActive
	case f.CanceledSubs > 0:
		return PaymentCanceled
	case f.Orders > 0 && f.RefundedOrders == f.Orders:
		return PaymentRefunded
	case f.PendingPayments > 0:
		return PaymentPending
	default:
		return PaymentNone
	}
}

// Dispute queue states.
const (
	QueueOpen   = "open"
	QueueClosed = "closed"
)

// Dispute stages: where a dispute stands, in our words. jobs/statusmap.go maps
// Stripe's statuses (inquiries' warning_… ones included) to them.
const (
	DisputeStageNeedsResponse = "needs_response" // evidence is due
	DisputeStageUnderReview   = "under_review"   // evidence submitted, the bank decides
	DisputeStageWon           = "won"            // closed in the merchant's favour
	DisputeStageLost          = "lost"           // closed against the merchant
	DisputeStageRefunded      = "refunded"       // closed by refunding the charge
)

// DisputeStages are every dispute stage.
var DisputeStages = []string{DisputeStageNeedsResponse, DisputeStageUnderReview, DisputeStageWon, DisputeStageLost, DisputeStageRefunded}

// disputeStageRank orders the stages so that a stale update never reopens a
// closed dispute.
var disputeStageRank = map[string]int{
	DisputeStageNeedsResponse: 1, DisputeStageUnderReview: 2,
	DisputeStageWon: 3, DisputeStageLost: 3, DisputeStageRefunded: 3,
}

// DisputeClosed reports whether a dispute stage is final.
func DisputeClosed(stage string) bool { return disputeStageRank[stage] == 3 }

// DisputeAdvances reports whether moving a dispute from stage from to stage to
// goes forward (or sideways at the same stage, for a newer snapshot).
func DisputeAdvances(from, to string) bool {
	if DisputeClosed(from) {
		return false
	}
	return disputeStageRank[to] >= disputeStageRank[from]
}

// DisputeOrderFact maps a dispute stage to the order fact it implies.
func DisputeOrderFact(stage string) string {
	switch stage {
	case DisputeStageWon:
		return DisputeWon
	case DisputeStageLost:
		return DisputeLost
	case DisputeStageRefunded:
		// The merchant refunded the charge instead of contesting: the refund
		// decides the order status.
		return DisputeWon
	default:
		return DisputeOpen
	}
}
