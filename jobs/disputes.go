package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// disputeFollowUps alerts on a new dispute and opens its ticket in the
// disputes queue; later status changes are noted on that ticket, so the
// ticket's audit trail shows every step.
func (d *Dispatcher) disputeFollowUps(ctx context.Context, tx *store.Store, de DisputeEffect, eventID string) error {
	dp, err := tx.DisputeByID(ctx, de.DisputeID)
	if err != nil {
		return err
	}
	if !de.Created {
		t, err := tx.TicketByDispute(ctx, dp.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		_, err = tx.AddTicketNote(ctx, t.ID, "stripe", fmt.Sprintf("Stripe: dispute %s moved from %s to %s (event %s).",
			dp.StripeDisputeID, de.From, de.To, eventID))
		return err
	}
	if dp.QueueState != store.QueueOpen {
		return nil
	}
	due := "no evidence deadline given"
	if dp.EvidenceDueBy != nil {
		due = "evidence due by " + dp.EvidenceDueBy.UTC().Format("2006-01-02 15:04 MST")
	}
	amount := mail.Money(dp.Amount, dp.Currency)
	if err := d.Raise(ctx, tx, store.NewAlert{
		Kind: store.AlertDisputeOpened, Subject: "dispute:" + dp.StripeDisputeID, Severity: store.SeverityCritical,
		Message: fmt.Sprintf("Dispute %s opened for %s (reason: %s); %s.", dp.StripeDisputeID, amount, dp.Reason, due),
	}); err != nil {
		return err
	}
	// The ticket belongs to the seller who must answer it when there is one.
	acct := dp.AccountID
	if dp.OrderID != nil {
		o, err := tx.OrderByID(ctx, *dp.OrderID)
		if err != nil {
			return err
		}
		if o.SellerAccountID != nil {
			acct = o.SellerAccountID
		}
	}
	body := fmt.Sprintf("Stripe opened dispute %s for %s.\nReason: %s\nStatus: %s\n%s.\n",
		dp.StripeDisputeID, amount, dp.Reason, dp.Status, due)
	if dp.OrderID != nil {
		body += fmt.Sprintf("Order: %d\n", *dp.OrderID)
	}
	_, _, err = tx.CreateTicket(ctx, store.NewTicket{
		Subject: fmt.Sprintf("Dispute %s: %s, %s", dp.StripeDisputeID, amount, due), Body: body,
		Channel: store.ChannelStripe, SourceKey: "dispute:" + dp.StripeDisputeID, AccountID: acct, DisputeID: &dp.ID,
	}, "stripe:"+eventID)
	return err
}
