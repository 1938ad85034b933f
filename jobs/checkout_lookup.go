package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// CheckoutLookup asks Stripe for a Checkout session when the marketplace's
// success page polls before Stripe's webhook has arrived (Stripe's advice
// for fulfilment: fulfil from the success page and from the webhook, the
// same idempotent way). What Stripe says becomes an event of our own that
// takes the webhook's path (the ledger, then the event worker), so the
// webhook that follows changes nothing.
type CheckoutLookup struct {
	Stripe *client.API
}

// ErrNoSuchSession: Stripe does not know the session.
var ErrNoSuchSession = errors.New("stripe knows no such checkout session")

// LookupEventID is the ID of the event a lookup makes for a session: the
// same for every lookup of it, so the ledger stores it once.
func LookupEventID(sessionID string) string { return "evt_sb_lookup_" + sessionID }

// Event retrieves the session and returns it as an event body for the
// Ingester: checkout.session.completed once the customer finished, expired
// once Stripe gave up; nil while the session is still open (nothing to
// apply). ErrNoSuchSession when Stripe does not know it.
func (c *CheckoutLookup) Event(ctx context.Context, sessionID string) ([]byte, error) {
	p := &stripe.CheckoutSessionParams{}
	p.Context = ctx
	sess, err := c.Stripe.CheckoutSessions.Get(sessionID, p)
	var se *stripe.Error
	if errors.As(err, &se) && (se.HTTPStatusCode == http.StatusNotFound || se.Code == stripe.ErrorCodeResourceMissing) {
		return nil, ErrNoSuchSession
	} else if err != nil {
		return nil, fmt.Errorf("retrieve checkout session %s: %w", sessionID, err)
	}
	var typ string
	switch sess.Status {
	case stripe.CheckoutSessionStatusComplete:
		typ = "checkout.session.completed"
	case stripe.CheckoutSessionStatusExpired:
		typ = "checkout.session.expired"
	default:
		return nil, nil // still open: the customer has not paid yet
	}
	if sess.LastResponse == nil || len(sess.LastResponse.RawJSON) == 0 {
		return nil, fmt.Errorf("retrieve checkout session %s: no body", sessionID)
	}
	return json.Marshal(map[string]any{
		"id": LookupEventID(sessionID), "object": "event", "type": typ, "api_version": SupportedAPIVersion,
		"created": time.Now().Unix(), "livemode": sess.Livemode, "pending_webhooks": 0,
		"data": map[string]any{"object": json.RawMessage(sess.LastResponse.RawJSON)},
	})
}
