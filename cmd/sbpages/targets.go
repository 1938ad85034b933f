package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pickTargets chooses the pages to measure from what the database holds: a
// sample of customers (and the busiest buyer and seller, whose timelines are
// longest), an open dispute, a common surname to search for.
func pickTargets(ctx context.Context, pool *pgxpool.Pool) ([]target, error) {
	var sample []string
	rows, _ := pool.Query(ctx, `SELECT '/customers/' || id FROM accounts
		WHERE stripe_customer_id IS NOT NULL ORDER BY hashint8(id) LIMIT 100`)
	sample, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("customer sample: %w", err)
	}
	if len(sample) == 0 {
		return nil, errors.New("the database has no customers: run 'switchboard seed' first")
	}
	var buyer, seller int64
	var cus, email string
	err = pool.QueryRow(ctx, `SELECT o.buyer_account_id, a.stripe_customer_id, a.email
		FROM (SELECT buyer_account_id, count(*) AS n FROM orders WHERE buyer_account_id IS NOT NULL GROUP BY 1
			ORDER BY n DESC LIMIT 1) o JOIN accounts a ON a.id = o.buyer_account_id
		WHERE a.stripe_customer_id IS NOT NULL`).Scan(&buyer, &cus, &email)
	if err != nil {
		return nil, fmt.Errorf("busiest buyer: %w", err)
	}
	if err := pool.QueryRow(ctx, `SELECT seller_account_id FROM orders WHERE seller_account_id IS NOT NULL
		GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).Scan(&seller); err != nil {
		return nil, fmt.Errorf("busiest seller: %w", err)
	}
	var dispute int64
	if err := pool.QueryRow(ctx, `SELECT id FROM disputes WHERE queue_state = 'open'
		ORDER BY evidence_due_by NULLS LAST LIMIT 1`).Scan(&dispute); err != nil {
		return nil, fmt.Errorf("an open dispute: %w", err)
	}
	var surname string
	if err := pool.QueryRow(ctx, `SELECT split_part(name, ' ', 2) FROM accounts WHERE name LIKE '% %'
		ORDER BY id DESC LIMIT 1`).Scan(&surname); err != nil {
		return nil, fmt.Errorf("a surname: %w", err)
	}
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	busy := []string{fmt.Sprintf("/customers/%d", buyer), fmt.Sprintf("/customers/%d", seller)}
	return []target{
		{"overview (charts of 24 h)", []string{"/"}, "chart-webhooks", true},
		{"overview ?range=7d", []string{"/?range=7d"}, "chart-webhooks", true},
		{"events ?type=charge.succeeded", []string{"/events?type=charge.succeeded"}, "events-table", true},
		{"events ?status=failed", []string{"/events?status=failed"}, "events-table", true},
		{"events ?customer=(busiest buyer)", []string{"/events?customer=" + url.QueryEscape(cus)}, "events-table", true},
		{"events ?type=invoice.paid&day=", []string{"/events?type=invoice.paid&day=" + yesterday}, "events-table", true},
		{"customer page (100 customers)", sample, "customer-facts", true},
		{"customer page (busiest buyer)", busy[:1], "timeline", true},
		{"customer page (busiest seller)", busy[1:], "timeline", true},
		{"dispute queue", []string{"/disputes"}, "disputes-table", true},
		{"dispute page", []string{fmt.Sprintf("/disputes/%d", dispute)}, "dispute-facts", false},
		{"customers ?q=" + surname, []string{"/customers?q=" + url.QueryEscape(surname)}, "customers-table", false},
		{"customers ?q=(an email)", []string{"/customers?q=" + url.QueryEscape(strings.SplitN(email, "@", 2)[0])},
			"customers-table", false},
		{"customers ?q=(a cus_ ID)", []string{"/customers?q=" + url.QueryEscape(cus)}, "customers-table", false},
		{"orders", []string{"/orders"}, "orders-table", false},
		{"orders ?status=refunded", []string{"/orders?status=refunded"}, "orders-table", false},
	}, nil
}
