package store

import (
	"slices"
	"time"
)

// OrderStatuses are the order statuses, in the order a list offers them.
var OrderStatuses = []string{OrderPending, OrderPaid, OrderFailed, OrderPartiallyRefunded, OrderRefunded,
	OrderDisputed, OrderChargedBack}

// ValidOrderStatus reports whether s is an order status.
func ValidOrderStatus(s string) bool { return slices.Contains(OrderStatuses, s) }

// OrderRow is an order with the names of its buyer and seller, for lists.
type OrderRow struct {
	Order
	BuyerName   *string `db:"buyer_name"`
	BuyerEmail  *string `db:"buyer_email"`
	SellerName  *string `db:"seller_name"`
	SellerEmail *string `db:"seller_email"`
	// LastRefundRequest and LastRefundStatus are the latest refund request's
	// status and its Stripe refund's (nil when there is none).
	LastRefundRequest *string `db:"last_refund_request"`
	LastRefundStatus  *string `db:"last_refund_status"`
}

// RefundBlocked says why the order cannot be refunded from the console now
// ("" when it can): not paid, already refunded in full, disputed, or a
// refund still on its way.
func (o OrderRow) RefundBlocked() string {
	switch {
	case o.LastRefundRequest != nil && RefundRequest{Status: *o.LastRefundRequest, RefundStatus: o.LastRefundStatus}.Unsettled():
		return "A refund is on its way."
	case o.Status == OrderRefunded:
		return "Refunded in full."
	case o.Status == OrderDisputed || o.Status == OrderChargedBack:
		return "Disputed: answer the dispute."
	case o.Status != OrderPaid && o.Status != OrderPartiallyRefunded || o.StripeChargeID == nil && o.StripePaymentIntentID == nil:
		return "Not paid: nothing to refund."
	}
	return ""
}

// RefundFailed reports whether the order's latest refund request failed.
func (o OrderRow) RefundFailed() bool {
	if o.LastRefundRequest == nil {
		return false
	}
	return RefundRequest{Status: *o.LastRefundRequest, RefundStatus: o.LastRefundStatus}.State() == RefundStateFailed
}

// OrderFilter selects orders for a list, newest first: a status ("" for
// all), a seller, and the keyset position BeforeID (0 for the first page).
type OrderFilter struct {
	Status string
	// Seller limits the list to one seller's orders; with SellersOnly, to
	// orders that have a seller at all.
	Seller      *int64
	SellersOnly bool
	BeforeID    int64
	Limit       int
}

// RefundRow is one refund of an order, for its page.
type RefundRow struct {
	ID             int64     `db:"id"`
	StripeRefundID string    `db:"stripe_refund_id"`
	Amount         int64     `db:"amount"`
	Currency       string    `db:"currency"`
	Status         string    `db:"status"`
	CreatedAt      time.Time `db:"created_at"`
}
