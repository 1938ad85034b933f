package faults

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/switchboardhq/switchboard/internal/fixture"
)

// Story is one marketplace's Stripe events in the order they happened: buyers
// and sellers, payments (PaymentIntent, charge, sometimes a checkout session),
// refunds and disputes, with the same few accounts touched by many events.
type Story struct {
	Events   []*fixture.Event
	Buyers   []string // cus_…
	Sellers  []string // acct_…
	Payments []Payment
	// Group is each event's payment (its index in Payments); -1 for the
	// account events (sellers and buyers).
	Group map[string]int
}

// Payment is one PaymentIntent of the story and what happened to it.
type Payment struct {
	PI, Charge string
	Buyer      string
	Amount     int64
	Refunded   int64
	Dispute    string // "", "won" or "lost"
}

// StoryOptions size a story.
type StoryOptions struct {
	Buyers, Sellers, Payments int
	// Every RefundEvery-th payment is refunded (half of those in part), every
	// DisputeEvery-th disputed; 0 means never.
	RefundEvery, DisputeEvery int
	Seed                      uint64
}

// Marketplace builds a story. Event created times increase in story order, a
// second apart, so "out of order" below means the delivery order only.
func Marketplace(o StoryOptions) *Story {
	rng := rand.New(rand.NewPCG(o.Seed, 7))
	s := &Story{Group: map[string]int{}}
	at := time.Now().Add(-2 * time.Hour)
	group := -1
	add := func(e *fixture.Event) *fixture.Event {
		at = at.Add(time.Second)
		s.Events = append(s.Events, e.At(at))
		s.Group[e.ID] = group
		return e
	}
	for i := range max(o.Sellers, 1) {
		id := fixture.NewID("acct")
		s.Sellers = append(s.Sellers, id)
		e := add(fixture.NewEvent("account.updated", fixture.ConnectAccount(id, fmt.Sprintf("seller-%d-%s@example.test", i, id[5:11]), fmt.Sprintf("Seller %d", i))))
		e.Account = id
	}
	names := map[string]string{}
	for i := range max(o.Buyers, 1) {
		id := fixture.NewID("cus")
		s.Buyers = append(s.Buyers, id)
		names[id] = fmt.Sprintf("buyer-%d-%s@example.test", i, id[4:10])
		add(fixture.NewEvent("customer.created", fixture.Customer(id, names[id], fmt.Sprintf("Buyer %d", i))))
	}
	for i := range o.Payments {
		group = i
		buyer := s.Buyers[rng.IntN(len(s.Buyers))]
		seller := s.Sellers[rng.IntN(len(s.Sellers))]
		p := Payment{PI: fixture.NewID("pi"), Charge: fixture.NewID("ch"), Buyer: buyer, Amount: 1000 + 100*rng.Int64N(90)}
		ref := fmt.Sprintf("ord_%d", i+1)
		meta := map[string]string{"order_id": ref}
		pi := fixture.PaymentIntent(p.PI, p.Amount, "usd", buyer, "succeeded", meta)
		pi["transfer_data"] = map[string]any{"destination": seller, "amount": nil}
		pi["latest_charge"] = p.Charge
		if i%3 == 2 {
			cs := fixture.CheckoutSession(fixture.NewID("cs"), p.PI, p.Amount, "usd", buyer, names[buyer], "", ref)
			cs["metadata"] = map[string]string{"order_id": ref, "seller_account": seller}
			add(fixture.NewEvent("checkout.session.completed", cs))
		}
		add(fixture.NewEvent("payment_intent.succeeded", pi))
		ch := fixture.Charge(p.Charge, p.PI, p.Amount, 0, "usd", buyer, names[buyer], "succeeded", meta)
		add(fixture.NewEvent("charge.succeeded", ch))
		if i%4 == 1 {
			add(fixture.NewEvent("customer.updated", fixture.Customer(buyer, names[buyer], fmt.Sprintf("Buyer %s (%d)", buyer[4:8], i))))
		}
		switch {
		case o.RefundEvery > 0 && i%o.RefundEvery == 0:
			p.Refunded = p.Amount
			if i%(2*o.RefundEvery) == 0 {
				p.Refunded = p.Amount / 2
			}
			add(fixture.NewEvent("charge.refunded", fixture.Charge(p.Charge, p.PI, p.Amount, p.Refunded, "usd", buyer, names[buyer], "succeeded", meta)))
			add(fixture.NewEvent("refund.created", fixture.Refund(fixture.NewID("re"), p.Charge, p.PI, p.Refunded, "usd", "succeeded")))
		case o.DisputeEvery > 0 && i%o.DisputeEvery == 1:
			dp := fixture.NewID("dp")
			due := time.Now().Add(7 * 24 * time.Hour)
			add(fixture.NewEvent("charge.dispute.created", fixture.Dispute(dp, p.Charge, p.PI, p.Amount, "usd", "needs_response", "fraudulent", due)))
			p.Dispute = "won"
			if rng.IntN(2) == 0 {
				p.Dispute = "lost"
			}
			add(fixture.NewEvent("charge.dispute.closed", fixture.Dispute(dp, p.Charge, p.PI, p.Amount, "usd", p.Dispute, "fraudulent", due)))
		}
		s.Payments = append(s.Payments, p)
	}
	return s
}

// PIs lists the story's PaymentIntent IDs.
func (s *Story) PIs() []string {
	out := make([]string, len(s.Payments))
	for i, p := range s.Payments {
		out[i] = p.PI
	}
	return out
}

// EventIDs lists the story's event IDs.
func (s *Story) EventIDs() []string {
	out := make([]string, len(s.Events))
	for i, e := range s.Events {
		out[i] = e.ID
	}
	return out
}

// Delivery is one POST of an event, as Stripe makes it (a duplicate delivery
// has the same body).
type Delivery struct {
	EventID string
	Body    []byte
}

// Deliveries are the events plus dupShare×len(events) duplicate deliveries of
// random events, shuffled.
func Deliveries(events []*fixture.Event, dupShare float64, seed uint64) []Delivery {
	rng := rand.New(rand.NewPCG(seed, 11))
	ds := make([]Delivery, 0, len(events)+int(float64(len(events))*dupShare)+1)
	for _, e := range events {
		ds = append(ds, Delivery{EventID: e.ID, Body: e.JSON()})
	}
	n := len(ds)
	for range int(float64(n) * dupShare) {
		ds = append(ds, ds[rng.IntN(n)])
	}
	rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	return ds
}

// Bursts are the story's deliveries with every payment's events (and
// dupShare duplicates of them) side by side in a random order, the payments in
// a random order too: at high concurrency the events of one payment are applied
// at the same moment, the hardest case for lock ordering.
func Bursts(st *Story, dupShare float64, seed uint64) []Delivery {
	rng := rand.New(rand.NewPCG(seed, 13))
	groups := map[int][]Delivery{}
	for _, e := range st.Events {
		g := st.Group[e.ID]
		groups[g] = append(groups[g], Delivery{EventID: e.ID, Body: e.JSON()})
	}
	order := rng.Perm(len(st.Payments))
	out := append([]Delivery(nil), groups[-1]...)
	for _, g := range order {
		ds := groups[g]
		for range int(float64(len(ds))*dupShare + rng.Float64()) {
			ds = append(ds, ds[rng.IntN(len(ds))])
		}
		rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
		out = append(out, ds...)
	}
	return out
}
