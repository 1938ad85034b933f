package store_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboardhq/switchboard/store"
)

func TestRouteTicket(t *testing.T) {
	t.Parallel()
	seller := store.TicketFacts{HasAccount: true, Role: store.RoleSeller, PlanTier: "pro", PaymentState: store.PaymentActive}
	buyer := store.TicketFacts{HasAccount: true, Role: store.RoleBuyer, PlanTier: "free", PaymentState: store.PaymentActive}
	with := func(f store.TicketFacts, change func(*store.TicketFacts)) store.TicketFacts { change(&f); return f }
	tests := []struct {
		name          string
		facts         store.TicketFacts
		queue, weight string
	}{
		{"unknown requester", store.TicketFacts{}, store.TicketGeneral, store.PriorityNormal},
		{"buyer in good standing", buyer, store.TicketGeneral, store.PriorityNormal},
		{"buyer past due", with(buyer, func(f *store.TicketFacts) { f.PaymentState = store.PaymentPastDue }), store.TicketBilling, store.PriorityHigh},
		{"buyer with a failed payment", with(buyer, func(f *store.TicketFacts) { f.FailedPayments = 1 }), store.TicketBilling, store.PriorityHigh},
		{"buyer writing about a dispute", with(buyer, func(f *store.TicketFacts) { f.AboutDispute = true }), store.TicketGeneral, store.PriorityNormal},
		{"seller", seller, store.TicketSellers, store.PriorityNormal},
		{"seller with an open dispute", with(seller, func(f *store.TicketFacts) { f.OpenDisputes = 2 }), store.TicketDisputes, store.PriorityHigh},
		{"seller writing about a dispute", with(seller, func(f *store.TicketFacts) { f.AboutDispute = true }), store.TicketDisputes, store.PriorityHigh},
		{"past-due seller with a dispute: billing first", with(seller, func(f *store.TicketFacts) {
			f.PaymentState, f.OpenDisputes = store.PaymentPastDue, 1
		}), store.TicketBilling, store.PriorityHigh},
		{"opened by a Stripe dispute", with(buyer, func(f *store.TicketFacts) { f.FromDispute, f.FailedPayments = true, 3 }), store.TicketDisputes, store.PriorityHigh},
		{"Stripe dispute without an account", store.TicketFacts{FromDispute: true}, store.TicketDisputes, store.PriorityHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, p := store.RouteTicket(tt.facts)
			if q != tt.queue || p != tt.weight {
				t.Fatalf("got %s/%s, want %s/%s", q, p, tt.queue, tt.weight)
			}
		})
	}
}

func TestTicketTags(t *testing.T) {
	t.Parallel()
	got := store.TicketTags(store.TicketFacts{HasAccount: true, Role: "seller", PlanTier: "pro", PaymentState: "past_due", OpenDisputes: 1})
	if diff := cmp.Diff([]string{"plan:pro", "payment:past_due", "role:seller", "dispute"}, got); diff != "" {
		t.Fatalf("tags (-want +got):\n%s", diff)
	}
	if got := store.TicketTags(store.TicketFacts{}); !cmp.Equal(got, []string{"requester:unknown"}) {
		t.Fatalf("tags without an account: got %v", got)
	}
}

func TestMentionsDispute(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		"I got a chargeback on order 12":     true,
		"Why is this payment DISPUTED?":      true,
		"my buyer opened a charge-back":      true,
		"the disputes page is empty":         true,
		"where is my payout":                 false,
		"indisputable proof it was shipped":  false,
		"please update my shipping address.": false,
	} {
		if got := store.MentionsDispute(text); got != want {
			t.Errorf("MentionsDispute(%q): got %v, want %v", text, got, want)
		}
	}
}

func TestNewTicketValidate(t *testing.T) {
	t.Parallel()
	ok := store.NewTicket{Email: "a@example.com", Subject: "Hi", Body: "Help", Channel: store.ChannelAPI}
	if msg := ok.Validate(); msg != "" {
		t.Fatalf("valid ticket: got %q", msg)
	}
	for name, bad := range map[string]store.NewTicket{
		"no email":    {Subject: "Hi", Body: "x", Channel: "api"},
		"no subject":  {Email: "a@example.com", Subject: "  ", Body: "x", Channel: "api"},
		"no body":     {Email: "a@example.com", Subject: "Hi", Channel: "api"},
		"bad channel": {Email: "a@example.com", Subject: "Hi", Body: "x", Channel: "fax"},
		"huge body":   {Email: "a@example.com", Subject: "Hi", Body: strings.Repeat("x", 100_001), Channel: "api"},
	} {
		if msg := bad.Validate(); msg == "" {
			t.Errorf("%s: got no error", name)
		}
	}
}
