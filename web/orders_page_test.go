package web_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

func TestOrdersList(t *testing.T) {
	t.Parallel()
	app := New(t)
	cus := NewID("cus")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, cus+"@example.com", xss)))
	paid := NewID("ch")
	app.SendAndWait(NewEvent("charge.succeeded", Charge(paid, NewID("pi"), 5000, 0, "usd", cus, "", "succeeded", nil)))
	app.SendAndWait(NewEvent("charge.failed", Charge(NewID("ch"), NewID("pi"), 700, 0, "eur", cus, "", "failed", nil)))
	acctA, _ := sellerWithDispute(t, app)
	buyer, err := app.Store.AccountByStripeCustomer(context.Background(), cus)
	if err != nil {
		t.Fatal(err)
	}

	c := app.SignIn(store.UserSupport)
	p := c.Get("/orders").Want(http.StatusOK)
	noRawScript(t, p)
	if n := p.Find("order-row").Length(); n != 3 {
		t.Fatalf("orders: got %d rows, want 3", n)
	}
	buyers := p.Find("order-buyer").Map(func(_ int, s *Selectionish) string { return s.AttrOr("href", "") + " " + s.Text() })
	want := "/customers/" + strconv.FormatInt(buyer.ID, 10) + " " + xss
	if buyers[1] != want || buyers[2] != want {
		t.Fatalf("buyer links: got %q, want %q", buyers, want)
	}
	if href := p.Find("order-seller").AttrOr("href", ""); href != "/customers/"+strconv.FormatInt(acctA, 10) {
		t.Fatalf("seller link: got %q", href)
	}
	f := c.Get("/orders?status=failed").Want(http.StatusOK)
	if f.Find("order-row").Length() != 1 || f.Text("order-status") != store.OrderFailed {
		t.Fatalf("failed orders: got %d rows", f.Find("order-row").Length())
	}
	if sel := f.Doc.Find(`#o-status option[selected]`).AttrOr("value", ""); sel != store.OrderFailed {
		t.Fatalf("the filter forgets its status: %q", sel)
	}
	if c.Get("/orders?status=refunded").Find("orders-empty").Length() != 1 {
		t.Fatalf("no refunded orders: want the empty state")
	}
	c.Get("/orders?status=bogus").Want(http.StatusBadRequest)
	c.Get("/orders?before=-3").Want(http.StatusBadRequest)
}

func TestOrdersListPages(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := context.Background()
	for i := 0; i < 57; i++ {
		facts := store.OrderFacts{Payment: store.PaySucceeded, Dispute: store.DisputeNone, Amount: 100}
		if i%3 == 0 {
			facts.Payment = store.PayFailed
		}
		if _, err := app.Store.UpsertOrder(ctx, store.OrderUpsert{PaymentIntentID: NewID("pi"), Currency: "usd", Facts: facts}); err != nil {
			t.Fatal(err)
		}
	}
	c := app.SignIn(store.UserAdmin)
	for status, total := range map[string]int{"": 57, "paid": 38} {
		path := "/orders?status=" + status
		seen := map[string]bool{}
		pages := 0
		for path != "" {
			p := c.Get(path).Want(http.StatusOK)
			pages++
			p.Find("order-row").Each(func(_ int, s *Selectionish) { seen[s.AttrOr("data-id", "")] = true })
			path = p.Find("next-page").AttrOr("href", "")
		}
		if pages != 1+(total-1)/50 || len(seen) != total {
			t.Fatalf("status %q: %d pages, %d orders; want %d orders", status, pages, len(seen), total)
		}
	}
}

func TestSellerOrderPages(t *testing.T) {
	t.Parallel()
	app := New(t)
	acctA, disputeA := sellerWithDispute(t, app)
	acctB, disputeB := sellerWithDispute(t, app)
	ctx := context.Background()
	orderOf := func(acct int64) int64 {
		os, err := app.Store.OrderList(ctx, store.OrderFilter{Seller: &acct, Limit: 10})
		if err != nil || len(os) != 1 {
			t.Fatalf("orders of seller %d: %v %v", acct, os, err)
		}
		return os[0].ID
	}
	orderA, orderB := orderOf(acctA), orderOf(acctB)
	a := app.SignInAs(app.NewUser(store.UserSeller, &acctA))

	list := a.Get("/seller/orders").Want(http.StatusOK)
	if n := list.Find("seller-order").Length(); n != 1 || list.Find("seller-order").AttrOr("data-id", "") != strconv.FormatInt(orderA, 10) {
		t.Fatalf("seller A's orders: got %d rows", n)
	}
	if a.Get("/seller/orders?status=disputed").Find("seller-order").Length() != 1 ||
		a.Get("/seller/orders?status=paid").Find("seller-orders-empty").Length() != 1 {
		t.Fatalf("the status filter does not filter")
	}
	a.Get("/seller/orders?status=nope").Want(http.StatusBadRequest)
	o := a.Get("/seller/orders/" + strconv.FormatInt(orderA, 10)).Want(http.StatusOK)
	if o.Text("seller-order-status") != store.OrderDisputed || o.Find("seller-order-disputes").Find("a").AttrOr("href", "") !=
		"/seller/disputes/"+strconv.FormatInt(disputeA, 10) {
		t.Fatalf("seller order page: status %q, disputes %q", o.Text("seller-order-status"), o.Text("seller-order-disputes"))
	}
	// Another seller's order or dispute is a 404, worded like a missing one.
	other := a.Get("/seller/orders/" + strconv.FormatInt(orderB, 10)).Want(http.StatusNotFound)
	missing := a.Get("/seller/orders/99999999").Want(http.StatusNotFound)
	if other.Text("error-message") != missing.Text("error-message") {
		t.Fatalf("another seller's order answers differently from a missing one")
	}
	a.Get("/seller/disputes/" + strconv.FormatInt(disputeB, 10)).Want(http.StatusNotFound)
	ds := a.Get("/seller/disputes").Want(http.StatusOK)
	if ds.Find("seller-dispute").Length() != 1 || ds.Find("seller-dispute").AttrOr("data-id", "") != strconv.FormatInt(disputeA, 10) {
		t.Fatalf("seller A's disputes: got %d", ds.Find("seller-dispute").Length())
	}
	// The console's own lists stay closed to sellers.
	for _, path := range []string{"/orders", "/customers", "/disputes", "/disputes/" + strconv.FormatInt(disputeA, 10)} {
		a.Get(path).Want(http.StatusForbidden)
	}
	// An admin sees every seller's.
	admin := app.SignIn(store.UserAdmin)
	if n := admin.Get("/seller/orders").Find("seller-order").Length(); n != 2 {
		t.Fatalf("admin's seller orders: got %d, want 2", n)
	}
	admin.Get("/seller/orders/" + strconv.FormatInt(orderB, 10)).Want(http.StatusOK)
	if n := admin.Get("/seller/disputes").Find("seller-dispute").Length(); n != 2 {
		t.Fatalf("admin's seller disputes: got %d, want 2", n)
	}
	fresh := app.SignIn(store.UserSeller)
	if fresh.Get("/seller/orders").Find("seller-orders-empty").Length() != 1 ||
		fresh.Get("/seller/disputes").Find("seller-disputes-empty").Length() != 1 {
		t.Fatalf("a new seller's lists have no empty state")
	}
}
