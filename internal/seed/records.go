package seed

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/switchboardhq/switchboard/store"
)

// About 6% of disputes are open (1% overdue), due within three weeks; the
// rest were won or lost.
var disputesStep = step{table: "disputes", sql: `
	INSERT INTO disputes (stripe_dispute_id, order_id, account_id, stripe_charge_id, stripe_payment_intent_id, status,
		stage, queue_state, amount, currency, reason, evidence_due_by, created_at, updated_at)
	SELECT 'dp_' || $1 || lpad(k::text, 9, '0'), id, buyer_account_id, stripe_charge_id, stripe_payment_intent_id,
		CASE WHEN open THEN CASE WHEN r < .6 THEN 'needs_response' WHEN r < .9 THEN 'under_review' ELSE 'warning_needs_response' END
			ELSE CASE WHEN r < .45 THEN 'won' WHEN r < .9 THEN 'lost' WHEN r < .95 THEN 'charge_refunded' ELSE 'warning_closed' END
		END,
		CASE WHEN open THEN CASE WHEN r < .6 THEN 'needs_response' WHEN r < .9 THEN 'under_review' ELSE 'needs_response' END
			ELSE CASE WHEN r < .45 THEN 'won' WHEN r < .9 THEN 'lost' WHEN r < .95 THEN 'refunded' ELSE 'won' END
		END,
		CASE WHEN open THEN 'open' ELSE 'closed' END, amount, currency,
		CASE WHEN r2 < .4 THEN 'fraudulent' WHEN r2 < .65 THEN 'product_not_received' WHEN r2 < .8 THEN 'product_unacceptable'
			WHEN r2 < .85 THEN 'duplicate' WHEN r2 < .9 THEN 'subscription_canceled' ELSE 'general' END,
		dcreated + interval '21 days', dcreated, CASE WHEN open THEN dcreated ELSE least(now(), dcreated + interval '30 days') END
	FROM (SELECT o.*, k % 100 < 6 AS open, pg_temp.sr(k, 51) AS r, pg_temp.sr(k, 52) AS r2,
			CASE WHEN k % 100 = 0 THEN now() - interval '21 days' - interval '3 days' * pg_temp.sr(k, 53)
				WHEN k % 100 < 6 THEN now() - interval '1 day' - interval '19 days' * pg_temp.sr(k, 53)
				ELSE least(o.created_at + interval '5 days', now() - interval '25 days') END AS dcreated
		FROM (SELECT o.*, row_number() OVER (ORDER BY hashint8(o.id)) AS k FROM orders o
			WHERE o.id > $2 AND o.status = 'paid') o
		WHERE k <= $3) d`,
	args: func(r *run) []any { return []any{r.tag, r.lo["orders"], r.sizes.Disputes} }}

// Accounts with a paid plan subscribe: most active, some past due, pending
// or canceled.
var subscriptionsStep = step{table: "subscriptions", sql: `
	INSERT INTO subscriptions (stripe_subscription_id, account_id, status, stripe_status, plan_tier, current_period_end,
		canceled_at, stripe_synced_at, created_at, updated_at)
	SELECT 'sub_' || substr(stripe_customer_id, 5), id, st,
		CASE st WHEN 'pending' THEN 'incomplete' ELSE st END, plan_tier, now() + interval '30 days' * r,
		CASE WHEN st = 'canceled' THEN now() - interval '60 days' * r END, now(),
		created_at + interval '1 hour', least(now(), created_at + interval '1 hour' + interval '300 days' * r)
	FROM (SELECT a.*, pg_temp.sr(a.id, 62) AS r,
			CASE WHEN pg_temp.sr(a.id, 61) < .85 THEN 'active' WHEN pg_temp.sr(a.id, 61) < .90 THEN 'past_due'
				WHEN pg_temp.sr(a.id, 61) < .92 THEN 'pending' ELSE 'canceled' END AS st
		FROM accounts a WHERE a.id > $1 AND a.role = 'buyer' AND a.plan_tier <> 'free'
			AND a.stripe_customer_id IS NOT NULL) a`,
	args: func(r *run) []any { return []any{r.lo["accounts"]} }}

// Two invoices a subscription; a past-due subscription's latest one failed.
var invoicesStep = step{table: "invoices", sql: `
	INSERT INTO invoices (stripe_invoice_id, account_id, stripe_subscription_id, stripe_payment_intent_id, status,
		amount_due, amount_paid, currency, attempt_count, first_failed_at, created_at, updated_at)
	SELECT 'in_' || substr(stripe_subscription_id, 5) || '_' || k, account_id, stripe_subscription_id,
		'pi_' || substr(stripe_subscription_id, 5) || 'i' || k, st, amount,
		CASE WHEN st = 'paid' THEN amount ELSE 0 END, 'usd', CASE WHEN st = 'payment_failed' THEN 3 ELSE 1 END,
		CASE WHEN st = 'payment_failed' THEN t END, t, t
	FROM (SELECT s.*, k,
			CASE WHEN k = 2 AND s.status = 'past_due' THEN 'payment_failed' WHEN k = 2 AND s.status = 'pending' THEN 'open'
				ELSE 'paid' END AS st,
			CASE s.plan_tier WHEN 'starter' THEN 900 WHEN 'pro' THEN 2900 ELSE 9900 END AS amount,
			now() - interval '1 day' - interval '29 days' * pg_temp.sr(s.id, 70 + k) - interval '30 days' * (2 - k) AS t
		FROM subscriptions s CROSS JOIN generate_series(1, 2) k WHERE s.id > $1) i`,
	args: func(r *run) []any { return []any{r.lo["subscriptions"]} }}

// setPaymentStates gives each seeded account the payment state the store's
// own rule (store.AccountPaymentState) derives from its facts.
func setPaymentStates(ctx context.Context, tx pgx.Tx, r *run) (int64, error) {
	rows, _ := tx.Query(ctx, `
		SELECT a.id, coalesce(d.open, 0), coalesce(s.past_due, 0), coalesce(s.active, 0), coalesce(s.canceled, 0),
			coalesce(o.paid, 0), coalesce(o.total, 0), coalesce(o.refunded, 0), coalesce(o.pending, 0) + coalesce(s.pending, 0)
		FROM accounts a
		LEFT JOIN (SELECT buyer_account_id AS id,
				count(*) FILTER (WHERE status IN ('paid', 'partially_refunded')) AS paid,
				count(*) FILTER (WHERE status <> 'failed') AS total,
				count(*) FILTER (WHERE status IN ('refunded', 'charged_back')) AS refunded,
				count(*) FILTER (WHERE status = 'pending') AS pending
			FROM orders WHERE id > $2 GROUP BY 1) o ON o.id = a.id
		LEFT JOIN (SELECT account_id AS id, count(*) FILTER (WHERE status = 'past_due') AS past_due,
				count(*) FILTER (WHERE status = 'active') AS active, count(*) FILTER (WHERE status = 'canceled') AS canceled,
				count(*) FILTER (WHERE status = 'pending') AS pending
			FROM subscriptions WHERE id > $3 GROUP BY 1) s ON s.id = a.id
		LEFT JOIN (SELECT account_id AS id, count(*) AS open FROM disputes WHERE id > $4 AND queue_state = 'open'
			GROUP BY 1) d ON d.id = a.id
		WHERE a.id > $1`, r.lo["accounts"], r.lo["orders"], r.lo["subscriptions"], r.lo["disputes"])
	var ids []int64
	var states []string
	var id int64
	var f store.AccountFacts
	_, err := pgx.ForEachRow(rows, []any{&id, &f.OpenDisputes, &f.PastDueSubs, &f.ActiveSubs, &f.CanceledSubs,
		&f.PaidOrders, &f.Orders, &f.RefundedOrders, &f.PendingPayments}, func() error {
		if s := store.AccountPaymentState(f); s != store.PaymentNone {
			ids, states = append(ids, id), append(states, s)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `UPDATE accounts a SET payment_state = x.s FROM unnest($1::bigint[], $2::text[]) x(id, s)
		WHERE a.id = x.id`, ids, states)
	return tag.RowsAffected(), err
}

// Every dispute opened a ticket in the disputes queue, the seller's.
var ticketsStep = step{table: "tickets", sql: `
	INSERT INTO tickets (account_id, dispute_id, requester_email, channel, source_key, subject, body, queue, priority,
		status, tags, role, plan_tier, payment_state, created_at, updated_at)
	SELECT a.id, d.id, coalesce(a.email, 'unknown@example.com'), 'stripe', 'dispute:' || d.stripe_dispute_id,
		'Dispute ' || d.stripe_dispute_id || ': ' || to_char(d.amount / 100.0, 'FM999999990.00') || ' ' || upper(d.currency),
		'Stripe opened dispute ' || d.stripe_dispute_id || E'.\nReason: ' || d.reason || E'\nStatus: ' || d.status
			|| E'\nOrder: ' || d.order_id || E'\n',
		'disputes', 'high', CASE WHEN d.queue_state = 'open' THEN 'open' ELSE 'solved' END,
		ARRAY['plan:' || a.plan_tier, 'payment:' || a.payment_state, 'role:' || a.role, 'dispute'],
		a.role, a.plan_tier, a.payment_state, d.created_at, d.updated_at
	FROM disputes d JOIN orders o ON o.id = d.order_id JOIN accounts a ON a.id = coalesce(o.seller_account_id, d.account_id)
	WHERE d.id > $1`,
	args: func(r *run) []any { return []any{r.lo["disputes"]} }}

// About 2% of accounts wrote to support, routed as the store's table routes.
var generalTicketsStep = step{table: "tickets", sql: `
	INSERT INTO tickets (account_id, requester_email, channel, subject, body, queue, priority, status, tags, role,
		plan_tier, payment_state, created_at, updated_at)
	SELECT id, email, CASE WHEN r < .5 THEN 'api' ELSE 'email' END, subj, 'Hello, ' || lower(subj) || E'?\nThanks!',
		CASE WHEN payment_state = 'past_due' THEN 'billing' WHEN role = 'seller' THEN 'sellers' ELSE 'general' END,
		CASE WHEN payment_state = 'past_due' THEN 'high' ELSE 'normal' END,
		CASE WHEN r < .3 THEN 'open' WHEN r < .4 THEN 'pending' WHEN r < .8 THEN 'solved' ELSE 'closed' END,
		ARRAY['plan:' || plan_tier, 'payment:' || payment_state, 'role:' || role], role, plan_tier, payment_state,
		now() - interval '180 days' * r, now() - interval '180 days' * r * r
	FROM (SELECT a.*, pg_temp.sr(a.id, 91) AS r,
			(ARRAY['Where is my order', 'Please update my card', 'A question about my invoice', 'I cannot sign in',
				'Can I get a refund', 'How do I change my plan'])[1 + floor(pg_temp.sr(a.id, 92) * 6)::int] AS subj
		FROM accounts a WHERE a.id > $1 AND a.email IS NOT NULL AND pg_temp.sr(a.id, 90) < .02) a`,
	args: func(r *run) []any { return []any{r.lo["accounts"]} }}

// The last 90 days of orders sent their emails; a few are degraded or failed.
var messagesStep = step{table: "messages", sql: `
	INSERT INTO messages (key, kind, account_id, order_id, to_addr, subject, status, attempts, last_error, created_at, sent_at)
	SELECT kind || ':order:' || o.id || CASE WHEN kind = 'refund_notice' THEN ':' || o.status ELSE '' END,
		kind, o.buyer_account_id, o.id, a.email,
		CASE kind WHEN 'order_confirmation' THEN 'Your order ' || o.reference || ' is confirmed'
			WHEN 'refund_notice' THEN 'Your refund for order ' || o.reference
			ELSE 'Your payment for order ' || o.reference || ' did not go through' END,
		st, CASE st WHEN 'sent' THEN 1 WHEN 'degraded' THEN 2 ELSE 8 END,
		CASE WHEN st <> 'sent' THEN 'SMTP 451 4.7.1 Try again later' ELSE '' END,
		o.updated_at, CASE WHEN st = 'sent' THEN o.updated_at + interval '2 seconds' END
	FROM (SELECT o.*,
			CASE WHEN status IN ('refunded', 'partially_refunded') THEN 'refund_notice' WHEN status = 'failed' THEN 'payment_failed'
				WHEN payment = 'succeeded' THEN 'order_confirmation' END AS kind,
			CASE WHEN pg_temp.sr(o.id, 81) < .985 THEN 'sent' WHEN pg_temp.sr(o.id, 81) < .995 THEN 'degraded'
				ELSE 'failed' END AS st
		FROM orders o WHERE o.id > $1 AND o.created_at > now() - interval '90 days') o
	JOIN accounts a ON a.id = o.buyer_account_id
	WHERE o.kind IS NOT NULL AND a.email IS NOT NULL`,
	args: func(r *run) []any { return []any{r.lo["orders"]} }}

// River keeps completed jobs a day and failed ones a week: the last day's CRM
// syncs, and the syncs that failed for good.
var crmJobsStep = step{table: "river_job", sql: `
	INSERT INTO river_job (state, attempt, max_attempts, attempted_at, created_at, finalized_at, scheduled_at, args,
		kind, queue, errors)
	SELECT 'completed'::river_job_state, 1, 10, t, t, t + interval '250 ms', t, jsonb_build_object('account_id', id), 'crm_sync', 'crm', NULL
	FROM (SELECT id, crm_last_synced_at - interval '1 second' AS t FROM accounts
		WHERE id > $1 AND crm_last_synced_at > now() - interval '1 day') a
	UNION ALL
	SELECT 'discarded'::river_job_state, 10, 10, t, t - interval '2 days', t, t, jsonb_build_object('account_id', id), 'crm_sync', 'crm',
		ARRAY[jsonb_build_object('at', t, 'attempt', 10, 'error', crm_last_error, 'trace', '')]
	FROM (SELECT id, crm_last_error, now() - interval '6 days' * pg_temp.sr(id, 95) AS t FROM accounts
		WHERE id > $1 AND crm_sync_status = 'failed') f`,
	args: func(r *run) []any { return []any{r.lo["accounts"]} }}

// The last day's sent mail, and the mail that failed for good.
var mailJobsStep = step{table: "river_job", sql: `
	INSERT INTO river_job (state, attempt, max_attempts, attempted_at, created_at, finalized_at, scheduled_at, args,
		kind, queue, errors)
	SELECT 'completed'::river_job_state, 1, 8, created_at, created_at, created_at + interval '2 seconds', created_at,
		jsonb_build_object('message_id', id), 'email', 'mail', NULL
	FROM messages WHERE id > $1 AND status = 'sent' AND created_at > now() - interval '1 day'
	UNION ALL
	SELECT 'discarded'::river_job_state, 8, 8, t, created_at, t, t, jsonb_build_object('message_id', id), 'email', 'mail',
		ARRAY[jsonb_build_object('at', t, 'attempt', 8, 'error', last_error, 'trace', '')]
	FROM (SELECT *, least(now(), created_at + interval '1 day') AS t FROM messages WHERE id > $1 AND status = 'failed') m`,
	args: func(r *run) []any { return []any{r.lo["messages"]} }}
