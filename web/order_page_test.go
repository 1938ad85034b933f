package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestOrderPageFromDispute follows a dispute to its order: the order page
// shows the reference, the dispute linked back, the email and the Stripe
// events about it, and Stripe IDs lead to our pages.
func TestOrderPageFromDispute(t *testing.T) {
	t.Parallel()
	app := New(t)
	ch, pi, cus := NewID("ch"), NewID("pi"), NewID("cus")
	app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, 4200, 0, "usd", cus, "ana@example.com", "succeeded",
		map[string]string{"order_id": "ORD-1042"})))
	dp := NewID("dp")
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(dp, ch, pi, 4200, "usd", "needs_response", "fraudulent", time.Now().Add(96*time.Hour))))
	d, err := app.Store.DisputeByStripeID(t.Context(), dp)
	if err != nil {
		t.Fatal(err)
	}

	support := app.SignIn(store.UserSupport)
	dpage := support.Get("/disputes/" + itoa(d.ID)).Want(http.StatusOK)
	href, _ := dpage.Find("dispute-order").Attr("href")
	if href != "/orders/"+itoa(*d.OrderID) || dpage.Text("dispute-order") != "ORD-1042" {
		t.Fatalf("dispute's order link: got %q %q, want /orders/%d ORD-1042", href, dpage.Text("dispute-order"), *d.OrderID)
	}
	if u, _ := dpage.Find("stripe-dispute").Attr("href"); u != "https://dashboard.stripe.com/test/disputes/"+dp {
		t.Errorf("dispute's Stripe link: got %q", u)
	}

	o := support.Get(href).Want(http.StatusOK)
	if got := o.Text("order-reference"); got != "ORD-1042" {
		t.Errorf("reference: got %q, want ORD-1042", got)
	}
	if back, _ := o.Find("order-dispute").Attr("href"); back != "/disputes/"+itoa(d.ID) {
		t.Errorf("the order's dispute links to %q, want /disputes/%d", back, d.ID)
	}
	if n := o.Find("order-event").Length(); n != 2 {
		t.Errorf("events about the order: got %d, want 2 (the charge and the dispute)", n)
	}
	if u, _ := o.Find("stripe-payment").Attr("href"); u != "https://dashboard.stripe.com/test/payments/"+pi {
		t.Errorf("payment's Stripe link: got %q", u)
	}
	if !strings.Contains(o.Text("order-buyer"), "ana@example.com") && o.Find("order-buyer").Length() != 1 {
		t.Errorf("buyer: got %q", o.Text("order-buyer"))
	}
	// Support sees emails and jobs without links to admin-only pages.
	if o.Find("order-email").Length() != 0 || o.Find("order-job").Length() != 0 {
		t.Errorf("support sees links to the outbox or jobs")
	}
	a := app.SignIn(store.UserAdmin).Get(href).Want(http.StatusOK)
	if a.Find("order-email").Length() != 1 || a.Find("order-job").Length() == 0 {
		t.Errorf("admin: got %d email links and %d job links, want 1 and some", a.Find("order-email").Length(), a.Find("order-job").Length())
	}

	// Stripe's IDs reach our pages; unknown ones and junk are 404s.
	for path, want := range map[string]string{"/orders/" + pi: href, "/orders/" + ch: href, "/disputes/" + dp: "/disputes/" + itoa(d.ID)} {
		p := support.Get(path).Want(http.StatusSeeOther)
		if loc := p.Header.Get("Location"); loc != want {
			t.Errorf("%s redirects to %q, want %q", path, loc, want)
		}
	}
	support.Get("/orders/pi_nope").Want(http.StatusNotFound)
	support.Get("/orders/abc").Want(http.StatusNotFound)
	support.Get("/orders/999999").Want(http.StatusNotFound)
}
