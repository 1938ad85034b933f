package main

import (
	"context"

	"github.com/switchboardhq/switchboard/store"
)

// demoTickets opens the demo's support requests as the marketplace's contact
// form and inbound email would: a past-due subscriber (billing), the seller
// asking about the dispute, a buyer who pasted a card number (stored
// redacted), and someone without an account; with a note and a status change.
func demoTickets(ctx context.Context, st *store.Store) error {
	tickets := []store.NewTicket{
		{Email: "omar@example.com", Subject: "My subscription payment failed", Channel: store.ChannelAPI,
			Body: "Hi, I got an email that my payment did not go through. I updated my card yesterday. Can you check?"},
		{Email: "studio@example.com", Subject: "A buyer disputed order ORD-1004", Channel: store.ChannelEmail,
			Body: "A buyer opened a dispute saying the vase never arrived. I have the tracking number: it was delivered."},
		{Email: "jonas@example.com", Subject: "Refund for order ORD-1006", Channel: store.ChannelAPI,
			Body: "Only part of my order was refunded. My card is 4242 4242 4242 4242 if you need it."},
		{Email: "new.visitor@example.com", Subject: "Do you ship to Canada?", Channel: store.ChannelEmail,
			Body: "Hello, I would like to buy a set of bowls. Do your sellers ship to Canada?"},
	}
	var first store.Ticket
	for i, nt := range tickets {
		t, _, err := st.CreateTicket(ctx, nt, "demo")
		if err != nil {
			return err
		}
		if i == 0 {
			first = t
		}
	}
	if _, err := st.AddTicketNote(ctx, first.ID, "demo", "Stripe shows the invoice still unpaid; asked the customer to retry from the billing page."); err != nil {
		return err
	}
	return st.SetTicketStatus(ctx, first.ID, store.TicketPending, "demo")
}
