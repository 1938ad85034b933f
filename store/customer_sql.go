package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// SearchAccounts finds accounts by what a search box holds (see SearchKind),
// newest first, below an account ID (0 for the first page).
func (s *Store) SearchAccounts(ctx context.Context, q string, beforeID int64, limit int) ([]Account, error) {
	q = strings.TrimSpace(q)
	args := []any{beforeID, limit}
	var where string
	switch SearchKind(q) {
	case SearchAll:
		where = `true`
	case SearchStripeCustomer:
		where, args = `stripe_customer_id = $3`, append(args, q)
	case SearchStripeAccount:
		where, args = `stripe_account_id = $3`, append(args, q)
	case SearchNumber:
		n, _ := strconv.ParseInt(q, 10, 64) // at most 18 digits: it fits
		where, args = `(id = $3 OR crm_contact_id = $4)`, append(args, n, q)
	default:
		// Substrings use the trigram indexes; an exact CRM contact ID its own.
		where, args = `(email ILIKE $3 OR name ILIKE $3 OR crm_contact_id = $4)`, append(args, likeContains(q), q)
	}
	// The unnamed-statement mode plans each search with its real pattern: a
	// generic plan cannot tell a pattern that matches half the table (walk
	// the primary key backwards) from a rare one (use the trigram index).
	rows, _ := s.db.Query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE `+where+`
		AND ($1::bigint = 0 OR id < $1) ORDER BY id DESC LIMIT $2`, append([]any{pgx.QueryExecModeExec}, args...)...)
	as, err := pgx.CollectRows(rows, pgx.RowToStructByName[Account])
	for i := range as {
		as[i].fill()
	}
	return as, mapErr("search accounts", err)
}

// timelineBranches are the sources of a customer's timeline. Each selects the
// same columns, newest first, starting after the cursor ($4 at, $5 kind, $6
// key), at most $7 rows, for the account $1 with Stripe customer $2 and
// Connect account $3 (empty when it has none). Each branch is written so that
// an index returns its rows already in order.
var timelineBranches = []struct{ kind, at, key, sql string }{
	{TimelineEvent, "received_at", "id", `SELECT received_at AS at, id AS key, id AS ref, type AS label, status,
		NULL::bigint AS amount, '' AS currency, last_error AS detail
		FROM stripe_events WHERE $2 <> '' AND customer_id <> '' AND customer_id = $2 AND %s
		ORDER BY received_at DESC, id DESC LIMIT $7`},
	// A seller's Connect events (account.updated, payout.*) name no customer.
	{TimelineEvent, "received_at", "id", `SELECT received_at, id, id, type, status, NULL::bigint, '', last_error
		FROM stripe_events WHERE $3 <> '' AND stripe_account <> '' AND stripe_account = $3 AND customer_id = '' AND %s
		ORDER BY received_at DESC, id DESC LIMIT $7`},
	{TimelineOrder, "created_at", padID, `SELECT created_at, ` + padID + `, id::text AS ref,
		CASE WHEN reference <> '' THEN reference ELSE '#' || id END, status, amount, currency, last_error
		FROM orders WHERE buyer_account_id = $1 AND %s ORDER BY created_at DESC, id DESC LIMIT $7`},
	{TimelineSale, "created_at", padID, `SELECT created_at, ` + padID + `, id::text AS ref,
		CASE WHEN reference <> '' THEN reference ELSE '#' || id END, status, amount, currency, last_error
		FROM orders WHERE seller_account_id = $1 AND %s ORDER BY created_at DESC, id DESC LIMIT $7`},
	{TimelineRefund, "created_at", "stripe_refund_id", `SELECT created_at, stripe_refund_id, stripe_refund_id,
		'order ' || coalesce(order_id::text, '?'), status, amount, currency, ''
		FROM refunds WHERE order_id IN (SELECT id FROM orders WHERE buyer_account_id = $1
			UNION ALL SELECT id FROM orders WHERE seller_account_id = $1)
		AND %s ORDER BY created_at DESC, stripe_refund_id DESC LIMIT $7`},
	// Disputes on the customer's purchases and on the seller's sales.
	{TimelineDispute, "created_at", padID, `SELECT created_at, ` + padID + `, id::text AS ref, reason, status, amount, currency,
		'queue ' || queue_state
		FROM disputes WHERE id IN (SELECT id FROM disputes WHERE account_id = $1
			UNION ALL SELECT d.id FROM orders o JOIN disputes d ON d.order_id = o.id WHERE o.seller_account_id = $1)
		AND %s ORDER BY created_at DESC, id DESC LIMIT $7`},
	{TimelineSubscription, "created_at", "stripe_subscription_id", `SELECT created_at, stripe_subscription_id,
		stripe_subscription_id, plan_tier, status, NULL::bigint, '', 'Stripe status ' || stripe_status
		FROM subscriptions WHERE account_id = $1 AND %s ORDER BY created_at DESC, stripe_subscription_id DESC LIMIT $7`},
	{TimelineInvoice, "created_at", "stripe_invoice_id", `SELECT created_at, stripe_invoice_id, stripe_invoice_id,
		coalesce(stripe_subscription_id, ''), status, amount_due, currency, attempt_count || ' payment attempt(s)'
		FROM invoices WHERE account_id = $1 AND %s ORDER BY created_at DESC, stripe_invoice_id DESC LIMIT $7`},
	// River's jobs for the account (river_sql.go).
	{TimelineJob, "created_at", padID, riverTimelineCRMSyncs},
	{TimelineJob, "created_at", padID, riverTimelineEmails},
	{TimelineEmail, "created_at", padID, `SELECT created_at, ` + padID + `, id::text AS ref, kind, status, NULL::bigint, '',
		CASE WHEN last_error <> '' THEN last_error ELSE subject END
		FROM messages WHERE account_id = $1 AND %s ORDER BY created_at DESC, id DESC LIMIT $7`},
	{TimelineTicket, "created_at", padID, `SELECT created_at, ` + padID + `, id::text AS ref, subject, status, NULL::bigint, '',
		'queue ' || queue
		FROM tickets WHERE account_id = $1 AND %s ORDER BY created_at DESC, id DESC LIMIT $7`},
}

// padID is a numeric ID as a sort key: zero-padded, text order is number order.
const padID = "lpad(id::text, 19, '0')"

// timelineSQL is the union of the branches, each ordered by its own index and
// limited, merged newest first.
var timelineSQL = func() string {
	var parts []string
	for _, b := range timelineBranches {
		cursor := fmt.Sprintf(`($4::timestamptz IS NULL OR (%s, '%s', %s) < ($4, $5, $6))`, b.at, b.kind, b.key)
		q := strings.Replace(fmt.Sprintf(b.sql, cursor), "SELECT ", "SELECT '"+b.kind+"' AS kind, ", 1)
		parts = append(parts, "("+q+")")
	}
	return `SELECT at, kind, key, ref, label, status, amount, currency, detail FROM (` +
		strings.Join(parts, "\nUNION ALL\n") + `) t ORDER BY at DESC, kind DESC, key DESC LIMIT $7`
}()

// Timeline lists everything that happened to an account, newest first: its
// Stripe events, orders (bought and sold), refunds, disputes, subscriptions,
// invoices, CRM and email jobs, emails and tickets. after is the cursor of the
// previous page's last item (nil for the first page).
func (s *Store) Timeline(ctx context.Context, a Account, after *TimelineCursor, limit int) ([]TimelineItem, error) {
	var at any
	var kind, key string
	if after != nil {
		at, kind, key = after.At, after.Kind, after.Key
	}
	rows, _ := s.db.Query(ctx, timelineSQL, a.ID, deref(a.StripeCustomerID), deref(a.StripeAccountID), at, kind, key, limit)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[TimelineItem])
	return items, mapErr("timeline", err)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
