package store

import (
	"strings"
	"time"
)

// What a customer search box holds, decided by its shape.
const (
	SearchAll            = "all"             // empty: every account, newest first
	SearchStripeCustomer = "stripe_customer" // cus_…
	SearchStripeAccount  = "stripe_account"  // acct_…
	SearchNumber         = "number"          // digits: an account ID or a CRM contact ID
	SearchText           = "text"            // part of an email or a name, or a CRM contact ID
)

// SearchKind classifies a customer search: Stripe IDs and numbers are exact
// lookups on their unique or indexed columns; anything else is a substring of
// an email or a name (or an exact CRM contact ID, whose format is the CRM's).
func SearchKind(q string) string {
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return SearchAll
	case strings.HasPrefix(q, "cus_") && !strings.ContainsAny(q, " @"):
		return SearchStripeCustomer
	case strings.HasPrefix(q, "acct_") && !strings.ContainsAny(q, " @"):
		return SearchStripeAccount
	case len(q) <= 18 && strings.Trim(q, "0123456789") == "":
		return SearchNumber
	}
	return SearchText
}

// likeContains is a LIKE pattern matching s anywhere, with LIKE's own
// wildcards in s taken literally.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// Timeline item kinds: everything that happened to a customer.
const (
	TimelineEvent        = "event"
	TimelineOrder        = "order" // an order the customer bought
	TimelineSale         = "sale"  // an order the customer (a seller) sold
	TimelineRefund       = "refund"
	TimelineDispute      = "dispute"
	TimelineSubscription = "subscription"
	TimelineInvoice      = "invoice"
	TimelineJob          = "job"
	TimelineEmail        = "email"
	TimelineTicket       = "ticket"
)

// TimelineItem is one thing that happened to a customer, from whichever table
// holds it. Ref is the object's own ID (an event ID, an order ID…); Key sorts
// items of one kind that happened at the same time (numeric IDs zero-padded,
// so that text order is number order).
type TimelineItem struct {
	At       time.Time `db:"at"`
	Kind     string    `db:"kind"`
	Key      string    `db:"key"`
	Ref      string    `db:"ref"`
	Label    string    `db:"label"`
	Status   string    `db:"status"`
	Amount   *int64    `db:"amount"`
	Currency string    `db:"currency"`
	Detail   string    `db:"detail"`
}

// TimelineCursor is the keyset position after which the next (older) page of
// a timeline starts: the last item's time, kind and key.
type TimelineCursor struct {
	At   time.Time
	Kind string
	Key  string
}

// Cursor returns the position just after the item.
func (t TimelineItem) Cursor() TimelineCursor {
	return TimelineCursor{At: t.At, Kind: t.Kind, Key: t.Key}
}
