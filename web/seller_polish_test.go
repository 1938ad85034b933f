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

// A seller's pages name the order by its reference, show every payout with
// totals by currency, and say what to send for a dispute's reason.
func TestSellerReferencesPayoutsAndEvidence(t *testing.T) {
	t.Parallel()
	app := New(t)
	acct, ch, ref := NewID("acct"), NewID("ch"), "ORD-"+strconv.FormatInt(time.Now().UnixNano()%1e6, 10)
	charge := Charge(ch, NewID("pi"), 5000, 0, "usd", NewID("cus"), "", "succeeded", map[string]string{"order_id": ref})
	charge["transfer_data"] = map[string]any{"destination": acct, "amount": nil}
	app.SendAndWait(NewEvent("charge.succeeded", charge))
	dp := NewID("dp")
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(dp, ch, "", 5000, "usd", "needs_response", "product_not_received", time.Now().Add(48*time.Hour))))
	for _, p := range []struct {
		status, code, msg string
		amount            int64
	}{{"paid", "", "", 4000}, {"paid", "", "", 1500}, {"in_transit", "", "", 700}, {"failed", "account_closed", "The bank account has been closed", 4500}} {
		ev := NewEvent("payout."+map[string]string{"paid": "paid", "in_transit": "updated", "failed": "failed"}[p.status],
			Payout(NewID("po"), p.amount, p.status, p.code, p.msg))
		ev.Account = acct
		app.SendAndWait(ev)
	}
	ctx := context.Background()
	a, err := app.Store.AccountByStripeAccount(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	d, err := app.Store.DisputeByStripeID(ctx, dp)
	if err != nil {
		t.Fatal(err)
	}
	seller := app.SignInAs(app.NewUser(store.UserSeller, &a.ID))

	home := seller.Get("/seller/").Want(http.StatusOK)
	if n := home.Find("seller-payout").Length(); n != 4 {
		t.Errorf("payouts listed: got %d, want 4:\n%s", n, home.Body)
	}
	for id, want := range map[string]string{"payout-paid": "55.00 USD", "payout-on-the-way": "7.00 USD", "payout-failed": "45.00 USD"} {
		if got := home.Text(id); got != want {
			t.Errorf("payout totals %s: got %q, want %q", id, got, want)
		}
	}
	if got := home.Text("seller-payouts"); !strings.Contains(got, "The bank account has been closed") {
		t.Errorf("the failed payout's reason is missing: %q", got)
	}
	if got := home.Text("seller-orders"); !strings.Contains(got, ref) {
		t.Errorf("the order reference is missing from the seller's orders: %q", got)
	}

	dpage := seller.Get("/seller/disputes/" + strconv.FormatInt(d.ID, 10)).Want(http.StatusOK)
	if got := dpage.Text("seller-dispute-order"); got != ref {
		t.Errorf("dispute's order: got %q, want %q", got, ref)
	}
	if got := dpage.Text("evidence-checklist"); !strings.Contains(got, "tracking number") {
		t.Errorf("product_not_received checklist: got %q", got)
	}
	href, _ := dpage.Find("seller-dispute-order").Attr("href")
	if got := seller.Get(href).Want(http.StatusOK).Text("seller-order-title"); got != "Order "+ref {
		t.Errorf("order page title: got %q, want %q", got, "Order "+ref)
	}
	// Another seller sees none of it.
	other := app.SignIn(store.UserSeller).Get("/seller/").Want(http.StatusOK)
	if other.Find("seller-payouts-empty").Length() != 1 || strings.Contains(other.Body, ref) {
		t.Errorf("another seller sees this seller's payouts or orders")
	}
}
