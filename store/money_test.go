package store

import "testing"

func TestMoney(t *testing.T) {
	t.Parallel()
	cases := []struct {
		minor    int64
		currency string
		want     string
	}{
		{4200, "usd", "42.00 USD"},
		{5, "eur", "0.05 EUR"},
		{-1250, "gbp", "-12.50 GBP"},
		{3500, "jpy", "3500 JPY"},
		{3500, "JPY", "3500 JPY"},
		{0, "", "0.00"},
	}
	for _, c := range cases {
		if got := Money(c.minor, c.currency); got != c.want {
			t.Errorf("Money(%d, %q): got %q, want %q", c.minor, c.currency, got, c.want)
		}
	}
}

func TestUnits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		minor    int64
		currency string
		want     string
	}{
		{4200, "usd", "42.00"},
		{5, "EUR", "0.05"},
		{-1250, "gbp", "-12.50"},
		{3500, "jpy", "3500"},
		{0, "", "0.00"},
	}
	for _, c := range cases {
		if got := Units(c.minor, c.currency); got != c.want {
			t.Errorf("Units(%d, %q): got %q, want %q", c.minor, c.currency, got, c.want)
		}
	}
}
