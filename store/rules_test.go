package store

import (
	"testing"
)

func TestOrderStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f    OrderFacts
		want string
	}{
		{OrderFacts{Payment: PayPending}, OrderPending},
		{OrderFacts{Payment: PayFailed}, OrderFailed},
		{OrderFacts{Payment: PaySucceeded, Amount: 100}, OrderPaid},
		{OrderFacts{Payment: PaySucceeded, Amount: 100, RefundedAmount: 40}, OrderPartiallyRefunded},
		{OrderFacts{Payment: PaySucceeded, Amount: 100, RefundedAmount: 100}, OrderRefunded},
		{OrderFacts{Payment: PayPending, Amount: 100, RefundedAmount: 100}, OrderRefunded},
		{OrderFacts{Payment: PaySucceeded, Amount: 100, Dispute: DisputeOpen}, OrderDisputed},
		{OrderFacts{Payment: PaySucceeded, Amount: 100, RefundedAmount: 100, Dispute: DisputeLost}, OrderChargedBack},
		{OrderFacts{Payment: PaySucceeded, Amount: 100, Dispute: DisputeWon}, OrderPaid},
		{OrderFacts{Payment: PaySucceeded, Amount: 100, RefundedAmount: 10, Dispute: DisputeWon}, OrderPartiallyRefunded},
	}
	for _, c := range cases {
		if got := c.f.Status(); got != c.want {
			t.Errorf("%+v: got %s, want %s", c.f, got, c.want)
		}
	}
}

// Merging facts in any order gives the same status: events can arrive in any order.
func TestOrderFactsMergeIsOrderIndependent(t *testing.T) {
	t.Parallel()
	facts := []OrderFacts{
		{Payment: PaySucceeded, Amount: 500},
		{Payment: PayFailed},
		{RefundedAmount: 200},
		{Payment: PaySucceeded, Amount: 500, RefundedAmount: 500},
		{Dispute: DisputeOpen},
	}
	var want *OrderFacts
	permute(facts, 0, func(p []OrderFacts) {
		acc := OrderFacts{Payment: PayPending, Dispute: DisputeNone}
		for _, f := range p {
			acc = acc.Merge(f)
		}
		if want == nil {
			w := acc
			want = &w
		}
		if acc != *want {
			t.Fatalf("order %v: got %+v, want %+v", p, acc, *want)
		}
	})
	if want.Status() != OrderDisputed || want.RefundedAmount != 500 || want.Payment != PaySucceeded {
		t.Fatalf("merged: got %+v", *want)
	}
}

func permute(a []OrderFacts, k int, f func([]OrderFacts)) {
	if k == len(a) {
		f(a)
		return
	}
	for i := k; i < len(a); i++ {
		a[k], a[i] = a[i], a[k]
		permute(a, k+1, f)
		a[k], a[i] = a[i], a[k]
	}
}

func TestAccountPaymentStateFirstMatchWins(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f    AccountFacts
		want string
	}{
		{AccountFacts{}, PaymentNone},
		{AccountFacts{PendingPayments: 1}, PaymentPending},
		{AccountFacts{Orders: 2, RefundedOrders: 2}, PaymentRefunded},
		{AccountFacts{Orders: 2, RefundedOrders: 1, PendingPayments: 1}, PaymentPending},
		{AccountFacts{CanceledSubs: 1, Orders: 1, RefundedOrders: 1}, PaymentCanceled},
		{AccountFacts{CanceledSubs: 1, ActiveSubs: 1}, PaymentActive},
		{AccountFacts{PaidOrders: 1, Orders: 1}, PaymentActive},
		{AccountFacts{PastDueSubs: 1, ActiveSubs: 1, PaidOrders: 1}, PaymentPastDue},
		{AccountFacts{OpenDisputes: 1, PastDueSubs: 1, PaidOrders: 1}, PaymentDisputed},
	}
	for _, c := range cases {
		if got := AccountPaymentState(c.f); got != c.want {
			t.Errorf("%+v: got %s, want %s", c.f, got, c.want)
		}
	}
}

func TestDisputeAdvances(t *testing.T) {
	t.Parallel()
	cases := []struct {
		from, to string
		want     bool
	}{
		{DisputeStageNeedsResponse, DisputeStageUnderReview, true},
		{DisputeStageUnderReview, DisputeStageNeedsResponse, false},
		{DisputeStageUnderReview, DisputeStageWon, true},
		{DisputeStageNeedsResponse, DisputeStageRefunded, true},
		{DisputeStageWon, DisputeStageNeedsResponse, false},
		{DisputeStageLost, DisputeStageWon, false},
		{DisputeStageRefunded, DisputeStageLost, false},
		{DisputeStageNeedsResponse, DisputeStageNeedsResponse, true},
	}
	for _, c := range cases {
		if got := DisputeAdvances(c.from, c.to); got != c.want {
			t.Errorf("%s → %s: got %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, gone, keep string }{
		{"my key is sk_live_51HxAbCdEfGh1234567890 ok", "sk_live_51HxAbCdEfGh1234567890", "my key is"},
		{"rk_test_abcdefgh12345678", "rk_test_abcdefgh12345678", ""},
		{"secret whsec_abc123DEF456ghi789", "whsec_abc123DEF456ghi789", "secret"},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9", "Authorization:"},
		{"card 4242 4242 4242 4242 exp 12/30", "4242 4242 4242 4242", "exp 12/30"},
		{"card 4000-0566-5566-5556", "4000-0566-5566-5556", "card"},
		{"postgres://u:hunter2@db:5432/x", "hunter2", "postgres://u:"},
		{"api sbt_abcdefghijklmnopqrstuvwxyz012345", "sbt_abcdefghijklmnopqrstuvwxyz012345", "api"},
	}
	for _, c := range cases {
		got := Redact(c.in)
		if contains(got, c.gone) || !contains(got, c.keep) {
			t.Errorf("Redact(%q) = %q", c.in, got)
		}
	}
	// Numbers that fail the Luhn check (order numbers, phone numbers) stay.
	for _, keep := range []string{"order 1234567890123456", "call +1 415 555 0100"} {
		if got := Redact(keep); got != keep {
			t.Errorf("Redact(%q) = %q, want unchanged", keep, got)
		}
	}
}

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse battery staple") || CheckPassword(h, "correct horse battery stapl") {
		t.Fatal("CheckPassword does not tell the right password from a wrong one")
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func contains(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
