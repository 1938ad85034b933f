package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs/crm"
	"github.com/switchboardhq/switchboard/store"
)

// TestSignupToConfirmation is the whole story: a signup, Stripe's payment
// webhooks, the CRM updated, a support ticket tagged from the payment, and
// the confirmation email received, with no hand work in between.
func TestSignupToConfirmation(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	hs.IndexLag = 2 * time.Second // HubSpot's search lags its writes
	smtp := NewSMTP(t)
	app := NewWith(t, Options{HubSpot: hs, SMTPURL: smtp.URL()})

	// 1. The marketplace app signs Ana up.
	acct := signup(app, "ana@example.com", "buyer", "pro")

	// 2. Stripe: customer, checkout, payment (webhooks, signed, over HTTP).
	cus, pi := NewID("cus"), NewID("pi")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "ana@example.com", "Ana Lima")))
	app.SendAndWait(NewEvent("checkout.session.completed", CheckoutSession(NewID("cs"), pi, 4200, "usd", cus, "ana@example.com", "Ana Lima", "ord_100")))
	app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(pi, 4200, "usd", cus, "succeeded", map[string]string{"order_id": "ord_100"})))

	// 3. The CRM has one contact for Ana, with her plan and payment state.
	got := waitSynced(app, acct.ID)
	contacts := hs.Contacts()
	if len(contacts) != 1 || got.CRMContactID == nil {
		t.Fatalf("contacts: got %v; crm_contact_id %v", contacts, got.CRMContactID)
	}
	c := contacts[*got.CRMContactID]
	if c["email"] != "ana@example.com" || c[crm.PropPlanTier] != "pro" || c[crm.PropPaymentState] != "active" ||
		c[crm.PropAccountID] != fmt.Sprint(acct.ID) {
		t.Fatalf("contact: got %v", c)
	}

	// 4. Ana writes to support: the ticket knows who she is and what she paid.
	tk := openTicket(app, "ana@example.com", "Where is my order?", "I paid for ord_100 yesterday.")
	if tk.AccountID == nil || *tk.AccountID != acct.ID || tk.Queue != store.TicketGeneral ||
		!slices.Contains(tk.Tags, "payment:active") || !slices.Contains(tk.Tags, "plan:pro") || !slices.Contains(tk.Tags, "role:buyer") ||
		!strings.Contains(tk.LastAction, "order ord_100 paid") {
		t.Fatalf("ticket: got %+v", tk)
	}

	// 5. Her confirmation email arrived, once.
	app.Eventually(15*time.Second, "the confirmation email", func() bool { return len(smtp.Messages()) >= 1 })
	app.Idle()
	ms := smtp.Messages()
	if len(ms) != 1 || ms[0].To[0] != "ana@example.com" || ms[0].Subject != "Your order ord_100 is confirmed" ||
		!strings.Contains(ms[0].Raw, "42.00 USD") {
		t.Fatalf("mail: got %d messages %+v", len(ms), ms)
	}
	if n := app.Count(`SELECT count(*) FROM alerts`); n != 0 {
		t.Fatalf("alerts on a healthy run: got %d, want 0", n)
	}
}
