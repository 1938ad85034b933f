package jobs

import (
	"context"

	stripe "github.com/stripe/stripe-go/v76"

	"github.com/switchboardhq/switchboard/store"
)

func applyCheckoutSession(ctx context.Context, a *applyCtx) (string, error) {
	var s stripe.CheckoutSession
	if err := a.decode(&s); err != nil {
		return "", err
	}
	p := payer{customerID: customerID(s.Customer)}
	if s.CustomerDetails != nil {
		p.email, p.name = s.CustomerDetails.Email, s.CustomerDetails.Name
	}
	if s.Mode != stripe.CheckoutSessionModePayment {
		// Subscriptions are applied from their own events; the session only
		// tells us who the customer is.
		acct, err := a.account(ctx, p)
		if err != nil {
			return "", err
		}
		if acct != nil {
			a.fx.account(*acct)
			return "", nil
		}
		return "checkout session in " + string(s.Mode) + " mode names no customer", nil
	}
	pi := idOf(s.PaymentIntent, func(p *stripe.PaymentIntent) string { return p.ID })
	if pi == "" && string(a.evt.Type) == "checkout.session.expired" {
		return "checkout session expired before a payment started", nil
	}
	payment, err := a.mapped("checkout.session.payment_status", string(s.PaymentStatus))
	if err != nil {
		return "", err
	}
	// The payment's key first, then the buyer, then the seller: the one lock
	// order (see "Lock order" in stripe_apply.go).
	if err := a.tx.LockKey(ctx, firstNonEmpty(pi, s.ID)); err != nil {
		return "", err
	}
	buyer, err := a.account(ctx, p)
	if err != nil {
		return "", err
	}
	seller, err := a.seller(ctx, s.Metadata["seller_account"])
	if err != nil {
		return "", err
	}
	return "", a.upsertOrder(ctx, store.OrderUpsert{
		PaymentIntentID: pi, CheckoutSessionID: s.ID, Reference: orderRef(s.Metadata, s.ClientReferenceID),
		BuyerAccountID: buyer, SellerAccountID: seller, Currency: string(s.Currency),
		Facts: store.OrderFacts{Payment: payment, Amount: s.AmountTotal},
	})
}

func applyPaymentIntent(ctx context.Context, a *applyCtx) (string, error) {
	var pi stripe.PaymentIntent
	if err := a.decode(&pi); err != nil {
		return "", err
	}
	if pi.Invoice != nil && pi.Invoice.ID != "" {
		return "payment intent belongs to invoice " + pi.Invoice.ID + ": a subscription payment, applied from invoice events", nil
	}
	payment, err := a.mapped("payment_intent", string(pi.Status))
	if err != nil {
		return "", err
	}
	lastErr := ""
	if payment == store.PayFailed && pi.LastPaymentError != nil {
		lastErr = clean(pi.LastPaymentError.Msg)
	}
	if err := a.tx.LockKey(ctx, pi.ID); err != nil {
		return "", err
	}
	p := payer{customerID: customerID(pi.Customer), email: pi.ReceiptEmail}
	if pi.LatestCharge != nil && pi.LatestCharge.BillingDetails != nil {
		if p.email == "" {
			p.email = pi.LatestCharge.BillingDetails.Email
		}
		p.name = pi.LatestCharge.BillingDetails.Name
	}
	buyer, err := a.account(ctx, p)
	if err != nil {
		return "", err
	}
	dest := accountID(pi.OnBehalfOf)
	if pi.TransferData != nil {
		dest = firstNonEmpty(accountID(pi.TransferData.Destination), dest)
	}
	seller, err := a.seller(ctx, dest)
	if err != nil {
		return "", err
	}
	ch := idOf(pi.LatestCharge, func(c *stripe.Charge) string { return c.ID })
	return "", a.upsertOrder(ctx, store.OrderUpsert{
		PaymentIntentID: pi.ID, ChargeID: ch, Reference: orderRef(pi.Metadata, ""),
		BuyerAccountID: buyer, SellerAccountID: seller, Currency: string(pi.Currency),
		Facts: store.OrderFacts{Payment: payment, Amount: pi.Amount}, LastError: lastErr,
	})
}

func applyCharge(ctx context.Context, a *applyCtx) (string, error) {
	var c stripe.Charge
	if err := a.decode(&c); err != nil {
		return "", err
	}
	if c.Invoice != nil && c.Invoice.ID != "" {
		return "charge belongs to invoice " + c.Invoice.ID + ": a subscription payment, applied from invoice events", nil
	}
	payment, err := a.mapped("charge", string(c.Status))
	if err != nil {
		return "", err
	}
	pi := idOf(c.PaymentIntent, func(p *stripe.PaymentIntent) string { return p.ID })
	if err := a.tx.LockKey(ctx, firstNonEmpty(pi, c.ID)); err != nil {
		return "", err
	}
	p := payer{customerID: customerID(c.Customer), email: c.ReceiptEmail}
	if c.BillingDetails != nil {
		p.email = firstNonEmpty(p.email, c.BillingDetails.Email)
		p.name = c.BillingDetails.Name
	}
	buyer, err := a.account(ctx, p)
	if err != nil {
		return "", err
	}
	dest := accountID(c.OnBehalfOf)
	if c.TransferData != nil {
		dest = firstNonEmpty(accountID(c.TransferData.Destination), dest)
	}
	seller, err := a.seller(ctx, dest)
	if err != nil {
		return "", err
	}
	lastErr := ""
	if payment == store.PayFailed {
		lastErr = clean(c.FailureMessage)
	}
	return "", a.upsertOrder(ctx, store.OrderUpsert{
		PaymentIntentID: pi, ChargeID: c.ID, Reference: orderRef(c.Metadata, ""),
		BuyerAccountID: buyer, SellerAccountID: seller, Currency: string(c.Currency),
		Facts:     store.OrderFacts{Payment: payment, Amount: c.Amount, RefundedAmount: c.AmountRefunded},
		LastError: lastErr,
	})
}

func applyRefund(ctx context.Context, a *applyCtx) (string, error) {
	var r stripe.Refund
	if err := a.decode(&r); err != nil {
		return "", err
	}
	status, err := a.mapped("refund", string(r.Status))
	if err != nil {
		return "", err
	}
	pi := idOf(r.PaymentIntent, func(p *stripe.PaymentIntent) string { return p.ID })
	ch := idOf(r.Charge, func(c *stripe.Charge) string { return c.ID })
	if pi == "" && ch == "" {
		return "refund names neither a payment intent nor a charge", nil
	}
	if err := a.tx.LockKey(ctx, firstNonEmpty(pi, ch)); err != nil {
		return "", err
	}
	if err := a.tx.UpsertRefund(ctx, store.Refund{
		StripeRefundID: r.ID, StripePaymentIntentID: pi, StripeChargeID: ch,
		Amount: r.Amount, Currency: string(r.Currency), Status: status,
	}); err != nil {
		return "", err
	}
	// A refund before its payment is kept in refunds and counted when the
	// order is created; with no order yet there is nothing more to do.
	if _, err := a.existingOrder(ctx, pi, ch); err != nil {
		return "", ignoreNotFound(err)
	}
	return "", a.upsertOrder(ctx, store.OrderUpsert{PaymentIntentID: pi, ChargeID: ch})
}

// existingOrder finds the order of a PaymentIntent or charge.
func (a *applyCtx) existingOrder(ctx context.Context, pi, ch string) (store.Order, error) {
	if pi != "" {
		o, err := a.tx.OrderByPaymentIntent(ctx, pi)
		if err == nil || ch == "" {
			return o, err
		}
	}
	return a.tx.OrderByCharge(ctx, ch)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
