package store_test

import (
	"testing"

	"github.com/switchboardhq/switchboard/store"
)

func TestCheckoutStatus(t *testing.T) {
	t.Parallel()
	order := func(status string) *store.Order { return &store.Order{Status: status} }
	for _, tc := range []struct {
		name   string
		order  *store.Order
		events []string
		want   string
	}{
		{"nothing heard yet", nil, nil, store.CheckoutPending},
		{"completed, payment processing", order(store.OrderPending), []string{"checkout.session.completed"}, store.CheckoutPending},
		{"paid", order(store.OrderPaid), []string{"checkout.session.completed"}, store.CheckoutPaid},
		{"paid, then refunded", order(store.OrderRefunded), nil, store.CheckoutPaid},
		{"paid, then charged back", order(store.OrderChargedBack), nil, store.CheckoutPaid},
		{"payment failed", order(store.OrderFailed), nil, store.CheckoutFailed},
		{"async payment failed before an order", nil, []string{"checkout.session.async_payment_failed"}, store.CheckoutFailed},
		{"expired unpaid", nil, []string{"checkout.session.expired"}, store.CheckoutExpired},
		{"expired with a pending order", order(store.OrderPending), []string{"checkout.session.expired"}, store.CheckoutExpired},
		{"paid wins over a later expiry", order(store.OrderPaid), []string{"checkout.session.expired"}, store.CheckoutPaid},
	} {
		if got := store.CheckoutStatus(tc.order, tc.events); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}
