package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/switchboardhq/switchboard/internal/fixture"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// cmdDemo fills an empty database with a small, realistic marketplace: buyers,
// a seller, paid, refunded and disputed orders, subscriptions (one past due), a
// failed payout, and one held, one ignored and one failed event to replay. The
// events go through the same ledger and worker as real webhooks. It does
// nothing when the demo data is already there.
func cmdDemo(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	if _, err := st.EventByID(ctx, "evt_demo_001"); err == nil {
		fmt.Fprintln(stdout, "demo data is already loaded")
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	for _, su := range []store.Signup{
		{Email: "maya@example.com", Name: "Maya Lind", Role: store.RoleBuyer, PlanTier: "pro"},
		{Email: "studio@example.com", Name: "Clay Studio", Role: store.RoleSeller, PlanTier: "seller"},
	} {
		if _, _, err := st.CreateSignup(ctx, su); err != nil {
			return err
		}
	}
	// Follow-ups (emails, alerts, the dispute's ticket) are enqueued for
	// 'switchboard serve' to work, as after real webhooks.
	deps, err := jobDeps(cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	_, dispatch, err := jobs.New(pool, deps, jobs.Options{})
	if err != nil {
		return err
	}
	deps.FollowUps = dispatch
	w := jobs.NewEventWorker(deps)
	in := &jobs.Ingester{Store: st, Dispatch: dispatch, Production: cfg.production()}
	applied := 0
	for i, ev := range demoEvents(time.Now()) {
		ev.ID = fmt.Sprintf("evt_demo_%03d", i+1)
		// The webhook's own path; the events are applied here at once, so the
		// counts below are known, and their jobs find them done.
		res, err := in.Ingest(ctx, ev.JSON(), store.SourceDemo, "demo")
		if err != nil {
			return err
		}
		if res.Status != store.EventReceived {
			continue
		}
		// The failing one is expected to fail: it is there to be replayed.
		if _, err := w.Apply(ctx, ev.ID, false); err == nil {
			applied++
		}
	}
	if err := demoTickets(ctx, st); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data loaded: %d events applied, plus one held, one ignored and one failed event to look at\n", applied)
	return nil
}

func demoEvents(now time.Time) []*fixture.Event {
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	var evs []*fixture.Event
	add := func(typ string, obj map[string]any, at time.Time) *fixture.Event {
		e := fixture.NewEvent(typ, obj).At(at)
		evs = append(evs, e)
		return e
	}
	seller := "acct_demoClayStudio"
	add("account.updated", fixture.ConnectAccount(seller, "studio@example.com", "Clay Studio"), ago(72*time.Hour))
	buyers := []struct{ cus, email, name string }{
		{"cus_demoMaya", "maya@example.com", "Maya Lind"},
		{"cus_demoJonas", "jonas@example.com", "Jonas Berg"},
		{"cus_demoAiko", "aiko@example.com", "Aiko Tanaka"},
		{"cus_demoOmar", "omar@example.com", "Omar Haddad"},
		{"cus_demoScript", "mallory@example.com", "<script>alert(1)</script>"},
	}
	for i, b := range buyers {
		add("customer.created", fixture.Customer(b.cus, b.email, b.name), ago(time.Duration(70-i)*time.Hour))
	}
	pay := func(n int, b int, amount int64, currency string, at time.Time) (pi, ch string) {
		pi, ch = fmt.Sprintf("pi_demo%03d", n), fmt.Sprintf("ch_demo%03d", n)
		cs := fixture.CheckoutSession(fmt.Sprintf("cs_demo%03d", n), pi, amount, currency, buyers[b].cus, buyers[b].email, buyers[b].name, fmt.Sprintf("ORD-%04d", 1000+n))
		cs["metadata"] = map[string]string{"order_id": fmt.Sprintf("ORD-%04d", 1000+n), "seller_account": seller}
		add("checkout.session.completed", cs, at)
		add("charge.succeeded", fixture.Charge(ch, pi, amount, 0, currency, buyers[b].cus, buyers[b].email, "succeeded", nil), at.Add(time.Second))
		return pi, ch
	}
	pay(1, 0, 4800, "usd", ago(60*time.Hour))
	pay(2, 1, 12900, "usd", ago(48*time.Hour))
	pi3, ch3 := pay(3, 2, 3500, "jpy", ago(40*time.Hour))
	pi4, ch4 := pay(4, 1, 8900, "eur", ago(30*time.Hour))
	pay(5, 4, 2500, "usd", ago(20*time.Hour))
	pi6, ch6 := pay(6, 1, 6400, "usd", ago(10*time.Hour))
	add("charge.refunded", fixture.Charge(ch3, pi3, 3500, 3500, "jpy", buyers[2].cus, "", "succeeded", nil), ago(39*time.Hour))
	add("charge.refunded", fixture.Charge(ch6, pi6, 6400, 1400, "usd", buyers[1].cus, "", "succeeded", nil), ago(9*time.Hour))
	add("charge.dispute.created", fixture.Dispute("dp_demo001", ch4, pi4, 8900, "eur", "needs_response", "product_not_received", now.Add(5*24*time.Hour)), ago(6*time.Hour))
	add("customer.subscription.created", fixture.Subscription("sub_demoMaya", buyers[0].cus, "active", "pro", now.AddDate(0, 1, 0)), ago(50*time.Hour))
	add("customer.subscription.created", fixture.Subscription("sub_demoOmar", buyers[3].cus, "active", "starter", now.AddDate(0, 0, 3)), ago(45*time.Hour))
	add("invoice.payment_failed", fixture.Invoice("in_demoOmar1", buyers[3].cus, "sub_demoOmar", "pi_demoInv1", "open", 1900, 0, 1), ago(5*time.Hour))
	po := add("payout.failed", fixture.Payout("po_demo001", 11200, "failed", "account_closed", "The bank account has been closed"), ago(3*time.Hour))
	po.Account = seller
	held := add("payment_intent.succeeded", fixture.PaymentIntent("pi_demoHeld", 1500, "usd", buyers[0].cus, "succeeded", nil), ago(2*time.Hour))
	held.APIVersion = "2024-06-20"
	add("issuing_card.created", map[string]any{"id": "ic_demo", "object": "issuing.card"}, ago(90*time.Minute))
	add("payment_intent.succeeded", fixture.PaymentIntent("pi_demoOdd", 990, "usd", buyers[1].cus, "a_status_stripe_added_later", nil), ago(time.Hour))
	return evs
}
