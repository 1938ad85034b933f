package store

import "testing"

func TestSearchKind(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]string{
		"":                    SearchAll,
		"   ":                 SearchAll,
		"cus_N3x0AbC":         SearchStripeCustomer,
		" acct_1Nv0FGQ9 ":     SearchStripeAccount,
		"12345":               SearchNumber,
		"123456789012345678":  SearchNumber,
		"1234567890123456789": SearchText, // too long for an ID: a CRM ID or text
		"maya@example.com":    SearchText,
		"cus_@example.com":    SearchText,
		"Maya Lind":           SearchText,
		"hs-123":              SearchText,
	} {
		if got := SearchKind(q); got != want {
			t.Errorf("SearchKind(%q): got %s, want %s", q, got, want)
		}
	}
	for in, want := range map[string]string{"ana": "%ana%", "50%": `%50\%%`, "a_b": `%a\_b%`, `x\y`: `%x\\y%`} {
		if got := likeContains(in); got != want {
			t.Errorf("likeContains(%q): got %q, want %q", in, got, want)
		}
	}
}
