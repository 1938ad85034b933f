package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// sellerWithDispute sends a paid order for a new Connect seller, a dispute on
// it and a failed payout, and returns the seller's account and dispute IDs.
func sellerWithDispute(t *testing.T, app *App) (account, dispute int64) {
	t.Helper()
	acct, ch := NewID("acct"), NewID("ch")
	charge := Charge(ch, NewID("pi"), 5000, 0, "usd", NewID("cus"), "", "succeeded", nil)
	charge["transfer_data"] = map[string]any{"destination": acct, "amount": nil}
	app.SendAndWait(NewEvent("charge.succeeded", charge))
	dp := NewID("dp")
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(dp, ch, "", 5000, "usd", "needs_response", "fraudulent", time.Now().Add(48*time.Hour))))
	payout := NewEvent("payout.failed", Payout(NewID("po"), 4500, "failed", "account_closed", "The bank account has been closed"))
	payout.Account = acct
	app.SendAndWait(payout)
	ctx := context.Background()
	a, err := app.Store.AccountByStripeAccount(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	d, err := app.Store.DisputeByStripeID(ctx, dp)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID, d.ID
}

func TestSellerSeesOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	app := New(t)
	acctA, disputeA := sellerWithDispute(t, app)
	_, disputeB := sellerWithDispute(t, app)
	a := app.SignInAs(app.NewUser(store.UserSeller, &acctA))

	home := a.Get("/seller/").Want(http.StatusOK)
	if n := home.Find("seller-order").Length(); n != 1 {
		t.Fatalf("seller A's orders: got %d, want 1", n)
	}
	if n := home.Find("seller-dispute").Length(); n != 1 {
		t.Fatalf("seller A's disputes: got %d, want 1", n)
	}
	if got := home.Text("seller-payouts"); got == "" {
		t.Fatal("seller A's failed payout is not shown")
	}
	a.Get("/seller/disputes/" + strconv.FormatInt(disputeA, 10)).Want(http.StatusOK)
	// Another seller's dispute is a 404, the same as one that does not exist.
	other := a.Get("/seller/disputes/" + strconv.FormatInt(disputeB, 10)).Want(http.StatusNotFound)
	none := a.Get("/seller/disputes/99999999").Want(http.StatusNotFound)
	if other.Text("error-message") != none.Text("error-message") {
		t.Fatalf("another seller's dispute answers differently from a missing one")
	}
	// Sellers open nothing else.
	a.Get("/events").Want(http.StatusForbidden)
	a.Get("/customers").Want(http.StatusForbidden)
	// An admin sees every seller's.
	admin := app.SignIn(store.UserAdmin)
	if n := admin.Get("/seller/").Find("seller-dispute").Length(); n != 2 {
		t.Fatalf("admin's seller view: got %d disputes, want 2", n)
	}
	admin.Get("/seller/disputes/" + strconv.FormatInt(disputeB, 10)).Want(http.StatusOK)

	fresh := app.SignIn(store.UserSeller)
	p := fresh.Get("/seller/").Want(http.StatusOK)
	for _, id := range []string{"seller-orders-empty", "seller-disputes-empty", "seller-payouts-empty"} {
		if p.Find(id).Length() != 1 {
			t.Errorf("a new seller's page has no %s", id)
		}
	}
}

// Each role's home is its landing: a seller who opens the bare address is sent
// to their own page rather than refused, and staff still see the overview.
func TestSellerHomeIsTheirLanding(t *testing.T) {
	t.Parallel()
	app := New(t)
	acct, _ := sellerWithDispute(t, app)
	seller := app.SignInAs(app.NewUser(store.UserSeller, &acct))
	p := seller.Get("/")
	if loc := p.Header.Get("Location"); p.Status != http.StatusSeeOther || loc != "/seller/" {
		t.Fatalf("seller at /: got %d Location %q, want 303 to /seller/", p.Status, loc)
	}
	app.SignIn(store.UserSupport).Get("/").Want(http.StatusOK)
}

// TestFailedPayoutLeadsToTheSeller: Needs attention's "Ask the seller to fix
// their bank account" lands on the seller's payouts, with a message to them
// written and ready to send.
func TestFailedPayoutLeadsToTheSeller(t *testing.T) {
	t.Parallel()
	app := New(t)
	acct, po := NewID("acct"), NewID("po")
	app.SendAndWait(NewEvent("account.updated", ConnectAccount(acct, "sam@example.com", "Sam's Pottery")))
	payout := NewEvent("payout.failed", Payout(po, 4500, "failed", "account_closed", "The bank account has been closed"))
	payout.Account = acct
	app.SendAndWait(payout)
	admin := app.SignIn(store.UserAdmin)
	href, _ := admin.Get("/").Want(http.StatusOK).Doc.Find(`[data-testid=attention-action]`).Attr("href")
	if !strings.HasPrefix(href, "/customers/") || !strings.HasSuffix(href, "#payouts") {
		t.Fatalf("attention action: got %q, want the seller's payouts", href)
	}
	p := admin.Get(strings.TrimSuffix(href, "#payouts")).Want(http.StatusOK)
	if got := p.Text("customer-payouts"); !strings.Contains(got, po) || !strings.Contains(got, "The bank account has been closed") {
		t.Fatalf("payouts on the seller's page: got %q", got)
	}
	mail, _ := p.Find("payout-email-seller").Attr("href")
	for _, want := range []string{"mailto:sam@example.com?subject=", po, "update%20your%20bank%20account", "45.00%20USD"} {
		if !strings.Contains(mail, want) {
			t.Fatalf("prepared message: got %q, want it to contain %q", mail, want)
		}
	}
}
