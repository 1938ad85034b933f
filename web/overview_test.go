package web_test

import (
	"strconv"

	"github.com/PuerkitoBio/goquery"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// attentionHrefs maps each "Needs attention" item's title to its link.
func attentionHrefs(p *Page) map[string]string {
	out := map[string]string{}
	p.Find("attention-item").Each(func(_ int, s *goquery.Selection) {
		a := s.Find(`[data-testid="attention-link"]`)
		href, _ := a.Attr("href")
		out[strings.TrimSpace(a.Text())] = href
	})
	return out
}

func TestOverviewNeedsAttention(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	if got := admin.Get("/").Want(http.StatusOK).Find("attention-empty").Length(); got != 1 {
		t.Fatalf("a quiet ledger: got %d empty states, want 1", got)
	}

	failed, restore := app.FailedPayment("")
	restore()
	paid := NewID("ch")
	app.SendAndWait(NewEvent("charge.succeeded", Charge(paid, NewID("pi"), 3000, 0, "usd", NewID("cus"), "b@example.com", "succeeded", nil)))
	dp := NewID("dp")
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(dp, paid, "", 3000, "usd", "needs_response", "fraudulent", time.Now().Add(20*time.Hour))))
	far := NewID("ch")
	app.SendAndWait(NewEvent("charge.succeeded", Charge(far, NewID("pi"), 1000, 0, "usd", NewID("cus"), "c@example.com", "succeeded", nil)))
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(NewID("dp"), far, "", 1000, "usd", "needs_response", "fraudulent", time.Now().Add(10*24*time.Hour))))
	d, err := app.Store.DisputeByStripeID(t.Context(), dp)
	if err != nil {
		t.Fatal(err)
	}

	p := admin.Get("/").Want(http.StatusOK)
	hrefs := attentionHrefs(p)
	want := map[string]string{
		"Event " + failed + " (charge.succeeded) failed": "/events/" + failed,
		"Dispute " + dp + " (Fraudulent, 30.00 USD)":     "/disputes/" + itoa(d.ID),
	}
	for title, href := range want {
		if hrefs[title] != href {
			t.Errorf("attention %q: got link %q, want %q (items: %v)", title, hrefs[title], href, hrefs)
		}
	}
	if len(hrefs) != 3 { // the event, its retrying job, the dispute due in 20 h (not the one due in 10 days)
		t.Errorf("attention items: got %d %v, want 3", len(hrefs), hrefs)
	}
	// A failed payment is money: fixed and replayed, not ignored.
	if got := p.Find("attention").Find(`[data-testid="attention-action"]`).First().Text(); got != "See why, fix, then replay" {
		t.Errorf("the failed payment event's action: got %q", got)
	}
	// Every figure links to the list behind it; the nearest deadline to its dispute.
	for testid, href := range map[string]string{"open-disputes": "/disputes", "next-evidence-due": "/disputes/" + itoa(d.ID),
		"queue-depth": "/jobs?state=available", "webhooks-bad-signature": "/alerts", "last-crm-sync": "/alerts"} {
		if got, _ := p.Find(testid).Find("a").Attr("href"); got != href {
			t.Errorf("%s links to %q, want %q", testid, got, href)
		}
	}
	if cls, _ := p.Find("next-evidence-due").Attr("class"); !strings.Contains(cls, "bad") {
		t.Errorf("a deadline in 20 h: got class %q, want bad", cls)
	}
	// Support sees the same items, without links to admin-only pages.
	sp := app.SignIn(store.UserSupport).Get("/").Want(http.StatusOK)
	for title, href := range attentionHrefs(sp) {
		if strings.HasPrefix(href, "/jobs") || strings.HasPrefix(href, "/outbox") {
			t.Errorf("support sees %q linked to admin page %s", title, href)
		}
	}
}

func TestOverviewEmailUnknownLinksToResend(t *testing.T) {
	t.Parallel()
	app := New(t)
	var id int64
	if err := app.Pool.QueryRow(t.Context(), `INSERT INTO messages (key, kind, to_addr, subject, status, last_error)
		VALUES ('test:unknown', 'order_confirmation', 'x@example.com', 'Your order', 'unknown', 'the connection dropped mid-send')
		RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	hrefs := attentionHrefs(app.SignIn(store.UserAdmin).Get("/").Want(http.StatusOK))
	title := "Email " + itoa(id) + " may not have reached the customer"
	if hrefs[title] != "/outbox/"+itoa(id) {
		t.Fatalf("unknown email: got %v, want %q linked to /outbox/%d", hrefs, title, id)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSellerHomeLinks(t *testing.T) {
	t.Parallel()
	app := New(t)
	seller := app.SignIn(store.UserSeller)
	p := seller.Get("/seller/").Want(http.StatusOK)
	if href, _ := p.Find("brand").Attr("href"); href != "/seller/" {
		t.Errorf("seller's brand link: got %q, want /seller/", href)
	}
	e := seller.Get("/events").Want(http.StatusForbidden)
	if href, _ := e.Find("error-home").Attr("href"); href != "/seller/" {
		t.Errorf("seller's 403 link: got %q, want /seller/", href)
	}
	if href, _ := app.SignIn(store.UserSupport).Get("/").Find("brand").Attr("href"); href != "/" {
		t.Errorf("support's brand link: got %q, want /", href)
	}
}
