package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestSearchFindsAnythingByID: every kind of ID a founder gets in an email or
// a bank letter goes straight to its page; text lists matches; the API says
// the same with URLs; sellers cannot search.
func TestSearchFindsAnythingByID(t *testing.T) {
	t.Parallel()
	app := New(t)
	cus, pi, ch, cs, dp, acct, po := NewID("cus"), NewID("pi"), NewID("ch"), NewID("cs"), NewID("dp"), NewID("acct"), NewID("po")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "maya@example.com", "Maya Lind")))
	app.SendAndWait(NewEvent("checkout.session.completed", CheckoutSession(cs, pi, 4800, "usd", cus, "maya@example.com", "Maya Lind", "ORD-1001")))
	app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, 4800, 0, "usd", cus, "", "succeeded", nil)))
	re := NewID("re")
	app.SendAndWait(NewEvent("charge.refunded", Charge(ch, pi, 4800, 1000, "usd", cus, "", "succeeded", nil)))
	app.SendAndWait(NewEvent("refund.updated", Refund(re, ch, pi, 1000, "usd", "succeeded")))
	dispute := NewEvent("charge.dispute.created", Dispute(dp, ch, pi, 4800, "usd", "needs_response", "fraudulent", time.Now().Add(72*time.Hour)))
	app.SendAndWait(dispute)
	app.SendAndWait(NewEvent("account.updated", ConnectAccount(acct, "sam@example.com", "Sam's Pottery")))
	payout := NewEvent("payout.failed", Payout(po, 4500, "failed", "account_closed", "The bank account has been closed"))
	payout.Account = acct
	app.SendAndWait(payout)
	ctx := context.Background()
	buyer, _ := app.Store.AccountByStripeCustomer(ctx, cus)
	seller, _ := app.Store.AccountByStripeAccount(ctx, acct)
	order, _ := app.Store.OrderByPaymentIntent(ctx, pi)
	d, _ := app.Store.DisputeByStripeID(ctx, dp)
	tk, _, err := app.Store.CreateTicket(ctx, store.NewTicket{Email: "maya@example.com", Subject: "Where is my teapot?", Body: "…", Channel: store.ChannelAPI}, "test")
	if err != nil {
		t.Fatal(err)
	}
	orderPage := "/orders/" + strconv.FormatInt(order.ID, 10)
	support := app.SignIn(store.UserSupport)
	for q, want := range map[string]string{
		cus: "/customers/" + strconv.FormatInt(buyer.ID, 10), acct: "/customers/" + strconv.FormatInt(seller.ID, 10),
		pi: orderPage, ch: orderPage, cs: orderPage, re: orderPage, "ord-1001": orderPage,
		dp: "/disputes/" + strconv.FormatInt(d.ID, 10), po: "/customers/" + strconv.FormatInt(seller.ID, 10) + "#payouts",
		dispute.ID: "/events/" + dispute.ID, "#" + strconv.FormatInt(tk.ID, 10): "/tickets/" + strconv.FormatInt(tk.ID, 10),
	} {
		p := support.Get("/search?q=" + url.QueryEscape(q))
		if loc := p.Header.Get("Location"); p.Status != http.StatusSeeOther || loc != want {
			t.Errorf("search %q: got %d to %q, want 303 to %q", q, p.Status, loc, want)
		}
	}
	// Text lists matches; nothing found says so.
	if p := support.Get("/search?q=maya").Want(http.StatusOK); !strings.Contains(p.Text("search-hits"), "Maya Lind") {
		t.Errorf("search maya: got %q", p.Text("search-hits"))
	}
	support.Get("/search?q=" + url.QueryEscape("pi_nothing_like_it")).Want(http.StatusOK).Text("search-empty")
	support.Get("/search?q=" + strings.Repeat("x", 201)).Want(http.StatusUnprocessableEntity)
	var hits []struct{ Kind, ID, Label, URL string }
	if code := app.API("GET", "/api/v1/search?q="+po, nil, &hits); code != 200 || len(hits) != 1 || hits[0].Kind != store.HitPayout ||
		hits[0].URL != "/customers/"+strconv.FormatInt(seller.ID, 10)+"#payouts" {
		t.Fatalf("API search %s: got %d %+v", po, code, hits)
	}
	sellerUser := app.SignInAs(app.NewUser(store.UserSeller, &seller.ID))
	sellerUser.Get("/search?q=" + pi).Want(http.StatusForbidden)
	if support.Get("/").Find("top-search").Length() != 1 || sellerUser.Get("/seller/").Find("top-search").Length() != 0 {
		t.Fatal("the search box: want it on staff pages, not on the seller's")
	}
}
