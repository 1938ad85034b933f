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
