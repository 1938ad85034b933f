package web_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/store"
)

// TestBrowserRefundTurnsOrderRefunded: an admin opens the refund form from
// the orders list and refunds in full; the page says "refund requested" and
// the order stays paid until Stripe's signed charge.refunded and
// refund.updated events arrive, then the order shows refunded.
func TestBrowserRefundTurnsOrderRefunded(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	o := paidOrder(t, app, fake, 4200)
	admin := app.NewUser(store.UserAdmin, nil)
	base := app.Server.URL
	run(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), admin.Email),
		chromedp.SendKeys(chromedp.ID("password"), Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(tid("who")),
	)
	run(t, ctx, "open the refund form from the orders list",
		chromedp.Navigate(base+"/orders"),
		chromedp.WaitVisible(tid("order-refund")),
		chromedp.Click(tid("order-refund")),
		chromedp.WaitVisible(tid("refund-form")),
		chromedp.Click(tid("refund-submit")),
		chromedp.WaitVisible(tid("refund-confirm")),
		chromedp.Click(tid("refund-confirm-submit")),
	)
	pollAcrossNavigation(t, ctx, "refund requested", `document.querySelector('[data-testid="refund-state"]')?.textContent.trim() === 'refund requested'`)
	if got := text(t, ctx, tid("refund-order-status")); got != store.OrderPaid {
		t.Fatalf("order before Stripe's events: got %q, want paid", got)
	}
	var q store.RefundRequest
	app.Eventually(10*time.Second, "the refund reaches Stripe", func() bool {
		qs, err := app.Store.RefundRequests(context.Background(), o.ID)
		if err != nil || len(qs) != 1 {
			return false
		}
		q = qs[0]
		return q.Status == store.RefundSubmitted
	})
	app.SendAndWait(NewEvent("refund.updated", Refund(*q.StripeRefundID, *o.StripeChargeID, *o.StripePaymentIntentID, 4200, "usd", "succeeded")))
	app.SendAndWait(NewEvent("charge.refunded", Charge(*o.StripeChargeID, *o.StripePaymentIntentID, 4200, 4200, "usd", "", "", "succeeded", nil)))
	run(t, ctx, "reload the refund page", chromedp.Navigate(base+"/orders/"+strconv.FormatInt(o.ID, 10)+"/refund"),
		chromedp.WaitVisible(tid("refund-order-status")))
	shot(t, ctx, "refund")
	if got := text(t, ctx, tid("refund-order-status")); got != store.OrderRefunded {
		t.Fatalf("order after Stripe's events: got %q, want refunded", got)
	}
	if got := text(t, ctx, tid("refund-state")); got != store.RefundStateRefunded {
		t.Fatalf("request after Stripe's events: got %q, want refunded", got)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("browser problems: %v", p)
	}
}
