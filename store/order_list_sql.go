package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// orderRowSelect reads OrderRows: each order with its buyer's and seller's
// names and where its latest refund request stands.
var orderRowSelect = `SELECT ` + prefixed("o.", orderColumns) + `,
		b.name AS buyer_name, b.email AS buyer_email, sa.name AS seller_name, sa.email AS seller_email,
		lq.status AS last_refund_request, lq.refund_status AS last_refund_status
	FROM orders o
	LEFT JOIN accounts b ON b.id = o.buyer_account_id
	LEFT JOIN accounts sa ON sa.id = o.seller_account_id
	LEFT JOIN LATERAL (SELECT q.status, r.status AS refund_status FROM refund_requests q
		LEFT JOIN refunds r ON r.stripe_refund_id = q.stripe_refund_id
		WHERE q.order_id = o.id ORDER BY q.id DESC LIMIT 1) lq ON true`

// OrderList lists orders matching f, newest first.
func (s *Store) OrderList(ctx context.Context, f OrderFilter) ([]OrderRow, error) {
	conds, args := "true", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		conds += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.Status != "" {
		add("o.status = $%d", f.Status)
	}
	if f.Seller != nil {
		add("o.seller_account_id = $%d", *f.Seller)
	} else if f.SellersOnly {
		conds += " AND o.seller_account_id IS NOT NULL"
	}
	if f.BeforeID > 0 {
		add("o.id < $%d", f.BeforeID)
	}
	args = append(args, f.Limit)
	rows, _ := s.db.Query(ctx, orderRowSelect+`
		WHERE `+conds+fmt.Sprintf(` ORDER BY o.id DESC LIMIT $%d`, len(args)), args...)
	os, err := pgx.CollectRows(rows, pgx.RowToStructByName[OrderRow])
	return os, mapErr("order list", err)
}

// OrderRefunds lists an order's refunds, oldest first.
func (s *Store) OrderRefunds(ctx context.Context, orderID int64) ([]RefundRow, error) {
	rows, _ := s.db.Query(ctx, `SELECT id, stripe_refund_id, amount, currency, status, created_at
		FROM refunds WHERE order_id = $1 ORDER BY created_at, id`, orderID)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[RefundRow])
	return rs, mapErr("order refunds", err)
}

// OrderDisputes lists the disputes on an order, oldest first.
func (s *Store) OrderDisputes(ctx context.Context, orderID int64) ([]Dispute, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+disputeColumns+` FROM disputes WHERE order_id = $1 ORDER BY created_at, id`, orderID)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[Dispute])
	return ds, mapErr("order disputes", err)
}
