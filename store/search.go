package store

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Search result kinds: what a hit is and so which page shows it.
const (
	HitEvent    = "event"    // ID: the event's ID
	HitCustomer = "customer" // ID: our account ID
	HitOrder    = "order"    // ID: our order ID
	HitDispute  = "dispute"  // ID: our dispute ID
	HitPayout   = "payout"   // ID: the seller's account ID
	HitTicket   = "ticket"   // ID: the ticket number
)

// SearchHit is one thing a search found.
type SearchHit struct {
	Kind  string `db:"kind" json:"kind"`
	ID    string `db:"id" json:"id"`
	Label string `db:"label" json:"label"`
}

// idLookups find the object a Stripe ID names, by the ID's prefix; $1 is the
// ID. Several rows may name one object (a charge's order and its refund).
var idLookups = map[string]string{
	"evt_":  `SELECT '` + HitEvent + `' AS kind, id, type || ' (' || status || ')' AS label FROM stripe_events WHERE id = $1`,
	"cus_":  `SELECT '` + HitCustomer + `' AS kind, id::text AS id, ` + accountLabel + ` AS label FROM accounts WHERE stripe_customer_id = $1`,
	"acct_": `SELECT '` + HitCustomer + `' AS kind, id::text AS id, ` + accountLabel + ` AS label FROM accounts WHERE stripe_account_id = $1`,
	"pi_":   `SELECT '` + HitOrder + `' AS kind, id::text AS id, ` + orderLabel + ` AS label FROM orders o WHERE stripe_payment_intent_id = $1`,
	"ch_": `SELECT '` + HitOrder + `' AS kind, id::text AS id, ` + orderLabel + ` AS label FROM orders o WHERE stripe_charge_id = $1
		UNION SELECT '` + HitOrder + `', o.id::text, ` + orderLabel + ` FROM refunds r JOIN orders o ON o.id = r.order_id WHERE r.stripe_charge_id = $1`,
	"cs_": `SELECT '` + HitOrder + `' AS kind, id::text AS id, ` + orderLabel + ` AS label FROM orders o WHERE stripe_checkout_session_id = $1`,
	"re_": `SELECT '` + HitOrder + `' AS kind, o.id::text AS id, 'refund of ' || ` + orderLabel + ` AS label
		FROM refunds r JOIN orders o ON o.id = r.order_id WHERE r.stripe_refund_id = $1`,
	"dp_": `SELECT '` + HitDispute + `' AS kind, id::text AS id, 'dispute ' || stripe_dispute_id || ' (' || status || ')' AS label FROM disputes WHERE stripe_dispute_id = $1`,
	"po_": `SELECT '` + HitPayout + `' AS kind, account_id::text AS id, 'payout ' || stripe_payout_id || ' (' || status || ')' AS label
		FROM seller_payouts WHERE stripe_payout_id = $1 AND account_id IS NOT NULL`,
	"in_": `SELECT '` + HitCustomer + `' AS kind, account_id::text AS id, 'invoice ' || stripe_invoice_id || ' (' || status || ')' AS label
		FROM invoices WHERE stripe_invoice_id = $1 AND account_id IS NOT NULL`,
	"sub_": `SELECT '` + HitCustomer + `' AS kind, account_id::text AS id, 'subscription ' || stripe_subscription_id || ' (' || status || ')' AS label
		FROM subscriptions WHERE stripe_subscription_id = $1 AND account_id IS NOT NULL`,
}

// accountLabel and orderLabel name an account and an order in a hit.
const (
	accountLabel = `coalesce(nullif(name, ''), email, 'account ' || id)`
	orderLabel   = `coalesce(nullif(o.reference, ''), 'order ' || o.id)`
)

// eventsAbout finds the events whose object is an ID we keep no table for
// (an early fraud warning, a transfer): their pages show the payload.
const eventsAbout = `SELECT '` + HitEvent + `' AS kind, id, type || ' about ' || object_id AS label FROM stripe_events
	WHERE object_id = $1 ORDER BY received_at DESC LIMIT 5`

// SearchIsID reports whether q is one identifier a search can go straight to:
// a Stripe ID, an order reference or a ticket number (#12).
func SearchIsID(q string) bool {
	if strings.ContainsAny(q, " @") {
		return false
	}
	if _, p, ok := stripePrefix(q); ok && len(q) > len(p) {
		return true
	}
	return strings.HasPrefix(q, "#") || strings.HasPrefix(strings.ToUpper(q), "ORD-")
}

func stripePrefix(q string) (string, string, bool) {
	for p := range idLookups {
		if strings.HasPrefix(q, p) {
			return idLookups[p], p, true
		}
	}
	if i := strings.IndexByte(q, '_'); i > 1 && i < 8 && strings.Trim(q[:i], "abcdefghijklmnopqrstuvwxyz") == "" {
		return eventsAbout, q[:i+1], true
	}
	return "", "", false
}

// Search finds what q names: a Stripe ID (by its prefix, or the events about
// it), an order reference, a ticket or order number, or customers by email or
// name; at most limit hits.
func (s *Store) Search(ctx context.Context, q string, limit int) ([]SearchHit, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	var hits []SearchHit
	add := func(sql string, args ...any) error {
		rows, _ := s.db.Query(ctx, sql, args...)
		hs, err := pgx.CollectRows(rows, pgx.RowToStructByName[SearchHit])
		if err != nil {
			return mapErr("search", err)
		}
		hits = append(hits, hs...)
		return nil
	}
	if sql, _, ok := stripePrefix(q); ok && !strings.ContainsAny(q, " @") {
		if err := add(sql, q); err != nil {
			return nil, err
		}
		if len(hits) == 0 && sql != eventsAbout {
			// An ID we saw only inside an event: its events.
			if err := add(eventsAbout, q); err != nil {
				return nil, err
			}
		}
		return hits, nil
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64); err == nil && n > 0 {
		if err := add(`SELECT '`+HitTicket+`' AS kind, id::text, 'ticket #' || id || ': ' || subject AS label FROM tickets WHERE id = $1`, n); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(q, "#") {
			if err := add(`SELECT '`+HitOrder+`' AS kind, id::text, `+orderLabel+` AS label FROM orders o WHERE id = $1`, n); err != nil {
				return nil, err
			}
		}
	}
	if err := add(`SELECT '`+HitOrder+`' AS kind, id::text, `+orderLabel+` AS label FROM orders o
		WHERE lower(reference) = lower($1) AND reference <> '' LIMIT $2`, q, limit); err != nil {
		return nil, err
	}
	if len(q) >= 2 {
		as, err := s.SearchAccounts(ctx, q, 0, limit)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			label := a.Name
			if a.Email != nil {
				label = strings.TrimSpace(label + " " + *a.Email)
			}
			hits = append(hits, SearchHit{Kind: HitCustomer, ID: strconv.FormatInt(a.ID, 10), Label: cmp.Or(label, fmt.Sprintf("account %d", a.ID))})
		}
	}
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}
