package jobs

import (
	"context"
	"errors"
	"time"

	stripe "github.com/stripe/stripe-go/v76"

	"github.com/switchboardhq/switchboard/store"
)

func applyDispute(ctx context.Context, a *applyCtx) (string, error) {
	var d stripe.Dispute
	if err := a.decode(&d); err != nil {
		return "", err
	}
	stage, err := a.mapped("dispute", string(d.Status))
	if err != nil {
		return "", err
	}
	pi := idOf(d.PaymentIntent, func(p *stripe.PaymentIntent) string { return p.ID })
	ch := idOf(d.Charge, func(c *stripe.Charge) string { return c.ID })
	if err := a.tx.LockKey(ctx, firstNonEmpty(pi, ch, d.ID)); err != nil {
		return "", err
	}
	var orderID, accountID *int64
	o, err := a.existingOrder(ctx, pi, ch)
	switch {
	case err == nil:
		orderID, accountID = &o.ID, o.BuyerAccountID
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	var due *time.Time
	if d.EvidenceDetails != nil && d.EvidenceDetails.DueBy > 0 {
		t := time.Unix(d.EvidenceDetails.DueBy, 0).UTC()
		due = &t
	}
	ch2, err := a.tx.UpsertDispute(ctx, store.DisputeUpsert{
		StripeDisputeID: d.ID, StripeChargeID: ch, StripePaymentIntentID: pi, Status: string(d.Status), Stage: stage,
		Amount: d.Amount, Currency: string(d.Currency), Reason: clean(string(d.Reason)), EvidenceDueBy: due,
	}, orderID, accountID)
	if err != nil {
		return "", err
	}
	if ch2.Applied && (ch2.Created || ch2.FromStatus != ch2.Dispute.Status) {
		a.fx.Disputes = append(a.fx.Disputes, DisputeEffect{
			DisputeID: ch2.Dispute.ID, AccountID: ch2.Dispute.AccountID,
			From: ch2.FromStatus, To: ch2.Dispute.Status, Created: ch2.Created,
		})
	}
	if orderID == nil {
		// Kept until its payment arrives; UpsertOrder attaches it then.
		return "", nil
	}
	return "", a.upsertOrder(ctx, store.OrderUpsert{PaymentIntentID: pi, ChargeID: ch})
}

// planTier reads the plan tier from a subscription's first price: metadata
// plan_tier, else the price's lookup key, else its nickname.
func planTier(s *stripe.Subscription) string {
	if s.Metadata["plan_tier"] != "" {
		return clean(s.Metadata["plan_tier"])
	}
	if s.Items == nil || len(s.Items.Data) == 0 || s.Items.Data[0].Price == nil {
		return ""
	}
	p := s.Items.Data[0].Price
	return clean(firstNonEmpty(p.Metadata["plan_tier"], p.LookupKey, p.Nickname))
}

func applySubscription(ctx context.Context, a *applyCtx) (string, error) {
	var s stripe.Subscription
	if err := a.decode(&s); err != nil {
		return "", err
	}
	status, err := a.mapped("subscription", string(s.Status))
	if err != nil {
		return "", err
	}
	if err := a.tx.LockKey(ctx, s.ID); err != nil {
		return "", err
	}
	acct, err := a.account(ctx, payer{customerID: customerID(s.Customer)})
	if err != nil {
		return "", err
	}
	sub := store.Subscription{
		StripeSubscriptionID: s.ID, AccountID: acct, Status: status, StripeStatus: string(s.Status),
		PlanTier: planTier(&s), SeenAt: a.seenAt(),
	}
	if s.CurrentPeriodEnd > 0 {
		t := time.Unix(s.CurrentPeriodEnd, 0).UTC()
		sub.CurrentPeriodEnd = &t
	}
	if end := max(s.CanceledAt, s.EndedAt); status == store.SubCanceled && end > 0 {
		t := time.Unix(end, 0).UTC()
		sub.CanceledAt = &t
	}
	ch, err := a.tx.UpsertSubscription(ctx, sub)
	if err != nil {
		return "", err
	}
	if !ch.Applied {
		return "", nil // a stale snapshot: nothing moves backwards
	}
	if acct != nil && ch.Status == store.SubActive && sub.PlanTier != "" {
		if err := a.tx.SetPlanTier(ctx, *acct, sub.PlanTier); err != nil {
			return "", err
		}
		a.fx.account(*acct)
	}
	return "", a.refresh(ctx, acct)
}

func applyInvoice(ctx context.Context, a *applyCtx) (string, error) {
	var in stripe.Invoice
	if err := a.decode(&in); err != nil {
		return "", err
	}
	status, err := a.mapped("invoice", string(in.Status))
	if err != nil {
		return "", err
	}
	sub := idOf(in.Subscription, func(s *stripe.Subscription) string { return s.ID })
	if err := a.tx.LockKey(ctx, firstNonEmpty(sub, in.ID)); err != nil {
		return "", err
	}
	acct, err := a.account(ctx, payer{customerID: customerID(in.Customer), email: in.CustomerEmail, name: in.CustomerName})
	if err != nil {
		return "", err
	}
	ch, err := a.tx.UpsertInvoice(ctx, store.Invoice{
		StripeInvoiceID: in.ID, AccountID: acct, StripeSubscriptionID: sub,
		StripePaymentIntentID: idOf(in.PaymentIntent, func(p *stripe.PaymentIntent) string { return p.ID }),
		Status:                status, AmountDue: in.AmountDue, AmountPaid: in.AmountPaid, Currency: string(in.Currency),
		AttemptCount: int(in.AttemptCount),
	})
	if err != nil {
		return "", err
	}
	if ch.FirstFailure {
		a.fx.Invoices = append(a.fx.Invoices, InvoiceEffect{StripeInvoiceID: in.ID, AccountID: acct, FirstFailure: true})
	}
	// A failed renewal makes the subscription past due until Stripe's own
	// subscription event says otherwise; a paid invoice makes it active again.
	if sub != "" {
		switch {
		case ch.Status == "payment_failed":
			err = a.tx.SetSubscriptionStatus(ctx, sub, store.SubPastDue)
		case ch.Status == "paid" && ch.FromStatus == "payment_failed":
			err = a.tx.SetSubscriptionStatus(ctx, sub, store.SubActive)
		}
		if err != nil {
			return "", err
		}
	}
	return "", a.refresh(ctx, acct)
}

func applyConnectAccount(ctx context.Context, a *applyCtx) (string, error) {
	var ac stripe.Account
	if err := a.decode(&ac); err != nil {
		return "", err
	}
	name := ""
	if ac.BusinessProfile != nil {
		name = ac.BusinessProfile.Name
	}
	if name == "" && ac.Individual != nil {
		name = ac.Individual.FirstName + " " + ac.Individual.LastName
		if name == " " {
			name = ""
		}
	}
	if err := a.tx.LockKey(ctx, ac.ID); err != nil {
		return "", err
	}
	acct, err := a.tx.UpsertSeller(ctx, store.SellerUpsert{StripeAccountID: ac.ID, Email: clean(ac.Email), Name: clean(name)})
	if err != nil {
		return "", err
	}
	a.fx.account(acct.ID)
	return "", nil
}

func applyPayout(ctx context.Context, a *applyCtx) (string, error) {
	var p stripe.Payout
	if err := a.decode(&p); err != nil {
		return "", err
	}
	status, err := a.mapped("payout", string(p.Status))
	if err != nil {
		return "", err
	}
	if a.evt.Account == "" {
		return "payout of the platform's own balance, not a seller's", nil
	}
	seller, err := a.seller(ctx, a.evt.Account)
	if err != nil {
		return "", err
	}
	ch, err := a.tx.UpsertPayout(ctx, store.Payout{
		StripePayoutID: p.ID, StripeAccountID: a.evt.Account, AccountID: seller, Status: status,
		Amount: p.Amount, Currency: string(p.Currency), FailureCode: clean(string(p.FailureCode)),
		FailureMessage: clean(p.FailureMessage),
	})
	if err != nil {
		return "", err
	}
	if ch.FromStatus != ch.Status {
		a.fx.Payouts = append(a.fx.Payouts, PayoutEffect{StripePayoutID: p.ID, AccountID: seller, From: ch.FromStatus, To: ch.Status})
	}
	return "", nil
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
