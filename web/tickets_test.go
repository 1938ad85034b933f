package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

func openTicket(app *App, email, subject, body string) store.Ticket {
	app.T.Helper()
	var tk store.Ticket
	if code := app.API("POST", "/api/v1/tickets", map[string]string{"email": email, "subject": subject, "body": body}, &tk); code != 201 {
		app.T.Fatalf("POST ticket: got %d", code)
	}
	return tk
}

func TestBillingTicketIsTaggedFromPaymentData(t *testing.T) {
	t.Parallel()
	app := New(t)
	acct := signup(app, "ana@example.com", "buyer", "plus")
	cus := NewID("cus")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "ana@example.com", "Ana Lima")))
	app.SendAndWait(NewEvent("customer.subscription.created", Subscription(NewID("sub"), cus, "past_due", "plus", time.Now().Add(720*time.Hour))))

	tk := openTicket(app, "ANA@example.com", "Why was I charged twice?", "Hello, my card shows two charges.")
	if tk.AccountID == nil || *tk.AccountID != acct.ID {
		t.Fatalf("account_id: got %v, want %d", tk.AccountID, acct.ID)
	}
	if tk.Queue != store.TicketBilling || tk.Priority != store.PriorityHigh || tk.Status != store.TicketOpen {
		t.Fatalf("routing: got %s/%s/%s, want billing/high/open", tk.Queue, tk.Priority, tk.Status)
	}
	for _, tag := range []string{"plan:plus", "payment:past_due", "role:buyer"} {
		if !slices.Contains(tk.Tags, tag) {
			t.Fatalf("tags: got %v, want %s", tk.Tags, tag)
		}
	}
	if !strings.Contains(tk.LastAction, "subscription past_due") {
		t.Fatalf("last action: got %q", tk.LastAction)
	}
	var list []store.Ticket
	app.API("GET", "/api/v1/tickets?queue=billing", nil, &list)
	if len(list) != 1 || list[0].ID != tk.ID {
		t.Fatalf("billing queue: got %+v", list)
	}
	app.API("GET", "/api/v1/tickets?queue=general", nil, &list)
	if len(list) != 0 {
		t.Fatalf("general queue: got %d tickets, want 0", len(list))
	}
}

func TestSellerDisputeTicketLandsInDisputes(t *testing.T) {
	t.Parallel()
	app := New(t)
	acctID := NewID("acct")
	app.SendAndWait(NewEvent("account.updated", ConnectAccount(acctID, "seller@example.com", "Pottery Co")))
	pi := NewID("pi")
	obj := PaymentIntent(pi, 8000, "usd", "", "succeeded", map[string]string{"order_id": "ord_77"})
	obj["receipt_email"], obj["transfer_data"] = "buyer@example.com", map[string]any{"destination": acctID}
	app.SendAndWait(NewEvent("payment_intent.succeeded", obj))
	due := time.Now().Add(7 * 24 * time.Hour).UTC()
	dp := NewID("dp")
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(dp, NewID("ch"), pi, 8000, "usd", "needs_response", "fraudulent", due)))

	var seller store.Account
	app.API("GET", "/api/v1/accounts?stripe_account_id="+acctID, nil, &seller)
	var list []store.Ticket
	app.API("GET", "/api/v1/tickets?queue=disputes", nil, &list)
	if len(list) != 1 || list[0].AccountID == nil || *list[0].AccountID != seller.ID || list[0].Channel != store.ChannelStripe ||
		list[0].Priority != store.PriorityHigh || !strings.Contains(list[0].Subject, due.Format("2006-01-02")) {
		t.Fatalf("dispute queue: got %+v, want the seller's dispute ticket", list)
	}
	al, err := app.Store.AlertByKey(t.Context(), store.AlertDisputeOpened, "dispute:"+dp)
	if err != nil || !strings.Contains(al.Message, "evidence due by "+due.Format("2006-01-02")) || !strings.Contains(al.Message, "80.00 USD") {
		t.Fatalf("dispute alert: got %+v, %v", al, err)
	}
	// Every later step of the dispute is on the ticket's audit trail.
	app.SendAndWait(NewEvent("charge.dispute.updated", Dispute(dp, NewID("ch"), pi, 8000, "usd", "under_review", "fraudulent", due)))
	d, err := app.Store.TicketDetailByID(t.Context(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range d.Audit {
		actions = append(actions, a.Action)
	}
	if !slices.Equal(actions, []string{"ticket.open", "ticket.note"}) || len(d.Notes) != 1 ||
		!strings.Contains(d.Notes[0].Body, "needs_response to under_review") {
		t.Fatalf("audit %v, notes %+v", actions, d.Notes)
	}

	// The seller writing in about it lands in the same queue.
	tk := openTicket(app, "seller@example.com", "Help", "A buyer opened a chargeback on my pottery order.")
	if tk.Queue != store.TicketDisputes || !slices.Contains(tk.Tags, "role:seller") || !slices.Contains(tk.Tags, "dispute") {
		t.Fatalf("seller ticket: got %s %v, want disputes with role:seller and dispute", tk.Queue, tk.Tags)
	}
	// Another seller asking about payouts goes to sellers.
	app.SendAndWait(NewEvent("account.updated", ConnectAccount(NewID("acct"), "other@example.com", "Candles")))
	if tk := openTicket(app, "other@example.com", "Payout", "When is my next payout?"); tk.Queue != store.TicketSellers {
		t.Fatalf("other seller: got %s, want sellers", tk.Queue)
	}
}

func TestTicketShowsAccountAndNeverASecret(t *testing.T) {
	t.Parallel()
	app := New(t)
	acct := signup(app, "cy@example.com", "buyer", "free")
	secrets := []string{
		"sk_live_51HqLyjWDarjtT1zdp7dcXQ", "whsec_4eC39HqLyjWDarjtT1zdp7dc", "4242 4242 4242 4242",
		"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "rk_test_26PHem9AhJZvU623DfE1x4sd",
	}
	body := "Here is everything: " + strings.Join(secrets, " and ") + ". Order 12345 is late."
	tk := openTicket(app, "cy@example.com", "My key sk_test_4eC39HqLyjWDarjtT1zdp7dc leaked?", body)
	if tk.AccountID == nil || *tk.AccountID != acct.ID {
		t.Fatalf("account_id: got %v, want %d", tk.AccountID, acct.ID)
	}
	var list []store.Ticket
	app.API("GET", "/api/v1/tickets?queue=general", nil, &list)
	stored, _ := app.Store.TicketByID(t.Context(), tk.ID)
	for _, shown := range []store.Ticket{tk, list[0], stored} {
		text := shown.Subject + " " + shown.Body
		for _, s := range append(secrets, "sk_test_4eC39HqLyjWDarjtT1zdp7dc") {
			if strings.Contains(text, s) {
				t.Fatalf("ticket shows a secret %q: %q", s, text)
			}
		}
		if !strings.Contains(text, "[redacted") || !strings.Contains(text, "Order 12345 is late") {
			t.Fatalf("redaction: got %q", text)
		}
	}
}

func TestTicketInputIsChecked(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{TicketRateLimit: 3})
	var e struct{ Error string }
	if code := app.API("POST", "/api/v1/tickets", map[string]string{"subject": "x", "body": "y"}, &e); code != 422 || !strings.Contains(e.Error, "email") {
		t.Fatalf("no email: got %d %q", code, e.Error)
	}
	if code := app.API("GET", "/api/v1/tickets?queue=vip", nil, &e); code != 400 {
		t.Fatalf("bad queue: got %d", code)
	}
	openTicket(app, "a@example.com", "one", "x")
	openTicket(app, "a@example.com", "two", "x")
	if code := app.API("POST", "/api/v1/tickets", map[string]string{"email": "a@example.com", "subject": "s", "body": "b"}, &e); code != 429 {
		t.Fatalf("fourth ticket in a minute with a limit of 3: got %d, want 429", code)
	}
	if n := app.Count(`SELECT count(*) FROM tickets`); n != 2 {
		t.Fatalf("tickets stored: got %d, want 2", n)
	}
}

func TestInboundEmailOpensOneTicket(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{InboundUser: "postmark", InboundPassword: "inbound-pass-123456"})
	acct := signup(app, "dee@example.com", "seller", "pro")
	msg := map[string]any{
		"From": "Dee <dee@example.com>", "FromName": "Dee",
		"FromFull": map[string]any{"Email": "dee@example.com", "Name": "Dee", "MailboxHash": ""},
		"To":       "support@market.test", "Subject": "Payout missing", "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
		"Date": "Fri, 1 Aug 2025 16:45:32 -04:00", "TextBody": "", "HtmlBody": "<p>My payout <b>never</b> arrived &amp; my card is 4000 0566 5566 5556</p>",
		"Headers": []any{}, "Attachments": []any{},
	}
	post := func(user, pass string) (int, map[string]any) {
		b, _ := json.Marshal(msg)
		req, _ := http.NewRequest("POST", app.Server.URL+"/webhooks/inbound-email", bytes.NewReader(b))
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if code, _ := post("postmark", "guess"); code != 401 {
		t.Fatalf("wrong password: got %d, want 401", code)
	}
	code, first := post("postmark", "inbound-pass-123456")
	code2, second := post("postmark", "inbound-pass-123456") // Postmark retrying
	if code != 200 || code2 != 200 || first["ticket_id"] != second["ticket_id"] {
		t.Fatalf("deliveries: got %d %v and %d %v, want the same ticket twice", code, first, code2, second)
	}
	tk, err := app.Store.TicketByID(t.Context(), int64(first["ticket_id"].(float64)))
	if err != nil || tk.AccountID == nil || *tk.AccountID != acct.ID || tk.Channel != store.ChannelEmail || tk.Queue != store.TicketSellers {
		t.Fatalf("ticket: got %+v, %v", tk, err)
	}
	if strings.Contains(tk.Body, "4000 0566 5566 5556") || !strings.Contains(tk.Body, "My payout never arrived & my card is [redacted card]") {
		t.Fatalf("body: got %q", tk.Body)
	}
	if n := app.Count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Fatalf("tickets: got %d, want 1", n)
	}
}
