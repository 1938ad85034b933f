package store

import (
	"fmt"
	"strings"
)

// zeroDecimal are the currencies Stripe counts in whole units.
var zeroDecimal = map[string]bool{
	"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true, "krw": true, "mga": true,
	"pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true, "xof": true, "xpf": true,
}

// Money formats an amount in a currency's minor units, as Stripe sends it:
// "42.00 USD", "3500 JPY". Email and the console both show money this way.
func Money(minor int64, currency string) string {
	return strings.TrimSpace(Units(minor, currency) + " " + strings.ToUpper(currency))
}

// Units formats an amount in a currency's minor units in the currency's
// units, without the currency: "42.00", "3500" (JPY). Exports put the
// currency in a column of its own.
func Units(minor int64, currency string) string {
	if zeroDecimal[strings.ToLower(currency)] {
		return fmt.Sprintf("%d", minor)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}
