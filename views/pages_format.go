package views

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// Countdown says how long is left until an evidence deadline, or how long ago
// it passed: "3 days 4 h left", "5 h 10 min left", "overdue by 1 day 2 h".
func Countdown(due *time.Time, now time.Time) string {
	if due == nil {
		return "no deadline"
	}
	d := due.Sub(now)
	if d < 0 {
		return "overdue by " + span(-d)
	}
	return span(d) + " left"
}

// span is a duration in its two largest units.
func span(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%s %d h", plural(days, "day"), hours)
	case hours > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	default:
		return fmt.Sprintf("%d min", mins)
	}
}

// urgency is the countdown's badge: overdue is bad, under two days a warning.
func urgency(due *time.Time, now time.Time) string {
	switch {
	case due == nil:
		return "badge"
	case due.Before(now):
		return "badge bad overdue"
	case due.Sub(now) < 48*time.Hour:
		return "badge warn"
	}
	return "badge"
}

// customerName is how a customer is named on a page: their name, else their
// email, else their account ID.
func customerName(name string, email *string, id int64) string {
	switch {
	case name != "":
		return name
	case email != nil && *email != "":
		return *email
	}
	return "Account " + itoa(id)
}

// AccountName is how a customer is named on their page and in lists.
func AccountName(a store.Account) string { return customerName(a.Name, a.Email, a.ID) }

func namePtr(name, email *string, id *int64) string {
	if id == nil {
		return "—"
	}
	n := ""
	if name != nil {
		n = *name
	}
	return customerName(n, email, *id)
}

// timelineHref links a timeline item to its own page, where it has one.
func timelineHref(it store.TimelineItem) string {
	switch it.Kind {
	case store.TimelineEvent:
		return "/events/" + it.Ref
	case store.TimelineDispute:
		return "/disputes/" + it.Ref
	case store.TimelineTicket:
		return "/tickets/" + it.Ref
	case store.TimelineOrder, store.TimelineSale:
		return "/orders/" + it.Ref
	case store.TimelineJob:
		return "/jobs/" + it.Ref
	case store.TimelineEmail:
		return "/outbox/" + it.Ref
	case store.TimelineSubscription, store.TimelineInvoice:
		return ""
	}
	return ""
}

// timelineWhat names a timeline item's kind for people.
func timelineWhat(kind string) string {
	switch kind {
	case store.TimelineEvent:
		return "Stripe event"
	case store.TimelineOrder:
		return "Order (bought)"
	case store.TimelineSale:
		return "Order (sold)"
	case store.TimelineRefund:
		return "Refund"
	case store.TimelineDispute:
		return "Dispute"
	case store.TimelineSubscription:
		return "Subscription"
	case store.TimelineInvoice:
		return "Invoice"
	case store.TimelineJob:
		return "Job"
	case store.TimelineEmail:
		return "Email"
	case store.TimelineTicket:
		return "Ticket"
	}
	return kind
}

func moneyP(amount *int64, currency string) string {
	if amount == nil {
		return ""
	}
	return money(*amount, currency)
}

func sameID(a *int64, b int64) bool { return a != nil && *a == b }

// noteKind names a ticket note's kind for the page.
func noteKind(kind string) string {
	switch kind {
	case store.NoteReply:
		return "Reply sent to the customer"
	case store.NoteCustomer:
		return "The customer wrote"
	}
	return "Staff note"
}

// payoutMailto is a mailto: link to a seller about a failed payout, with the
// message written: what failed, why, and what to do in Stripe.
func payoutMailto(email, name string, p store.SellerPayout) string {
	hello := "Hello,"
	if name != "" {
		hello = "Hello " + name + ","
	}
	body := hello + "\n\nYour payout " + p.StripePayoutID + " of " + money(p.Amount, p.Currency) + " could not be paid to your bank account"
	if p.FailureMessage != "" {
		body += ": " + p.FailureMessage
	}
	body += "\n\nPlease sign in to your Stripe Express dashboard and update your bank account details. Stripe pays the payout again once they are fixed.\n\nThank you"
	// RFC 6068: spaces are %20 in a mailto: URI, never "+".
	esc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	return "mailto:" + url.PathEscape(email) + "?subject=" + esc("Your payout could not be paid: please update your bank account") +
		"&body=" + esc(body)
}
