package seed

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/switchboardhq/switchboard/jobs"
)

// category is one kind of Stripe event: its share of all events, the objects
// it is about (a FROM … WHERE over a temp table) and how to build its
// data.object, its time, and the IDs the ledger indexes.
type category struct {
	code     string // two letters, in the event ID
	typ      string
	share    float64
	src      string
	obj      string
	at       string
	object   string
	customer string
	account  string
}

const epoch = `floor(extract(epoch FROM %s))::bigint`

func chargeObj(status, refunded string) string {
	return `jsonb_build_object('id', ch, 'object', 'charge', 'amount', amount, 'amount_captured', amount,
		'amount_refunded', ` + refunded + `, 'refunded', ` + refunded + ` >= amount, 'currency', currency,
		'customer', nullif(cus, ''), 'payment_intent', pi, 'status', '` + status + `', 'paid', '` + status + `' = 'succeeded',
		'captured', '` + status + `' = 'succeeded',
		'billing_details', jsonb_build_object('email', email, 'name', name, 'address', NULL, 'phone', NULL),
		'receipt_email', NULL, 'metadata', jsonb_build_object('order_id', reference), 'invoice', NULL, 'livemode', false,
		'created', ` + fmt.Sprintf(epoch, "created_at") + `, 'disputed', false,
		'failure_code', CASE WHEN '` + status + `' = 'failed' THEN 'card_declined' END,
		'failure_message', CASE WHEN '` + status + `' = 'failed' THEN 'Your card was declined.' END,
		'transfer_data', CASE WHEN acct IS NOT NULL THEN jsonb_build_object('destination', acct, 'amount', NULL) END,
		'on_behalf_of', NULL)`
}

func paymentIntentObj(status string) string {
	return `jsonb_build_object('id', pi, 'object', 'payment_intent', 'amount', amount,
		'amount_received', CASE WHEN '` + status + `' = 'succeeded' THEN amount ELSE 0 END, 'currency', currency,
		'customer', nullif(cus, ''), 'status', '` + status + `', 'metadata', jsonb_build_object('order_id', reference),
		'invoice', NULL, 'latest_charge', ch, 'receipt_email', NULL, 'livemode', false,
		'created', ` + fmt.Sprintf(epoch, "created_at") + `,
		'last_payment_error', CASE WHEN '` + status + `' = 'requires_payment_method'
			THEN jsonb_build_object('code', 'card_declined', 'message', 'Your card was declined.') END,
		'transfer_data', CASE WHEN acct IS NOT NULL THEN jsonb_build_object('destination', acct, 'amount', NULL) END,
		'on_behalf_of', NULL, 'payment_method_types', jsonb_build_array('card'), 'capture_method', 'automatic')`
}

const checkoutObj = `jsonb_build_object('id', cs, 'object', 'checkout.session', 'mode', 'payment', 'status', 'complete',
	'payment_status', 'paid', 'payment_intent', pi, 'amount_total', amount, 'amount_subtotal', amount, 'currency', currency,
	'customer', nullif(cus, ''), 'client_reference_id', NULL,
	'customer_details', jsonb_build_object('email', email, 'name', name, 'address', NULL, 'phone', NULL,
		'tax_exempt', 'none', 'tax_ids', '[]'::jsonb),
	'metadata', jsonb_strip_nulls(jsonb_build_object('order_id', reference, 'seller_account', acct)),
	'livemode', false, 'created', floor(extract(epoch FROM created_at))::bigint, 'subscription', NULL, 'invoice', NULL)`

const customerObj = `jsonb_build_object('id', cus, 'object', 'customer', 'email', email, 'name', nullif(name, ''),
	'created', floor(extract(epoch FROM created_at))::bigint, 'livemode', false, 'metadata', '{}'::jsonb,
	'currency', NULL, 'delinquent', false, 'description', NULL)`

const subscriptionObj = `jsonb_build_object('id', stripe_subscription_id, 'object', 'subscription', 'customer', cus,
	'status', stripe_status, 'current_period_end', floor(extract(epoch FROM current_period_end))::bigint,
	'current_period_start', floor(extract(epoch FROM current_period_end - interval '1 month'))::bigint,
	'canceled_at', floor(extract(epoch FROM canceled_at))::bigint, 'ended_at', NULL, 'cancel_at_period_end', false,
	'metadata', '{}'::jsonb, 'livemode', false, 'created', floor(extract(epoch FROM created_at))::bigint,
	'items', jsonb_build_object('object', 'list', 'has_more', false, 'url', '/v1/subscription_items',
		'data', jsonb_build_array(jsonb_build_object('id', 'si_' || substr(stripe_subscription_id, 5),
			'object', 'subscription_item', 'quantity', 1,
			'price', jsonb_build_object('id', 'price_' || plan_tier, 'object', 'price', 'lookup_key', plan_tier,
				'nickname', NULL, 'unit_amount', CASE plan_tier WHEN 'starter' THEN 900 WHEN 'pro' THEN 2900 ELSE 9900 END,
				'currency', 'usd', 'metadata', '{}'::jsonb)))))`

const invoiceObj = `jsonb_build_object('id', stripe_invoice_id, 'object', 'invoice', 'customer', cus,
	'subscription', stripe_subscription_id, 'payment_intent', stripe_payment_intent_id,
	'status', CASE status WHEN 'payment_failed' THEN 'open' ELSE status END, 'amount_due', amount_due,
	'amount_paid', amount_paid, 'amount_remaining', amount_due - amount_paid, 'currency', currency,
	'attempt_count', attempt_count, 'attempted', true, 'billing_reason', 'subscription_cycle', 'customer_email', email,
	'customer_name', nullif(name, ''), 'livemode', false, 'created', floor(extract(epoch FROM created_at))::bigint,
	'metadata', '{}'::jsonb)`

const disputeObj = `jsonb_build_object('id', stripe_dispute_id, 'object', 'dispute', 'amount', amount,
	'charge', stripe_charge_id, 'payment_intent', stripe_payment_intent_id, 'currency', currency, 'status', %s,
	'reason', reason, 'livemode', false, 'created', floor(extract(epoch FROM created_at))::bigint,
	'evidence_details', jsonb_build_object('due_by', floor(extract(epoch FROM evidence_due_by))::bigint,
		'has_evidence', false, 'past_due', evidence_due_by < now(), 'submission_count', 0),
	'is_charge_refundable', false, 'metadata', '{}'::jsonb, 'balance_transactions', '[]'::jsonb)`

const accountObj = `jsonb_build_object('id', acct, 'object', 'account', 'email', email, 'type', 'express',
	'business_profile', jsonb_build_object('name', name, 'url', NULL), 'charges_enabled', true, 'payouts_enabled', true,
	'details_submitted', true, 'metadata', '{}'::jsonb)`

func payoutObj(id, amount, status, code, msg string) string {
	return `jsonb_build_object('id', ` + id + `, 'object', 'payout', 'amount', ` + amount + `, 'currency', 'usd',
		'status', '` + status + `', 'failure_code', ` + code + `, 'failure_message', ` + msg + `,
		'arrival_date', floor(extract(epoch FROM now()))::bigint, 'created', floor(extract(epoch FROM now()))::bigint,
		'livemode', false, 'method', 'standard', 'type', 'bank_account', 'metadata', '{}'::jsonb)`
}

// randomTime is a moment between a time and now, by the event's own hash.
const randomTime = `%s + (now() - %s) * pg_temp.sr(g, 7)`

// categories are the event types, with shares close to what the seeded
// objects would produce (three events an order, one per customer…). The last
// one, customer.updated, takes whatever is left.
var categories = []category{
	{"cs", "checkout.session.completed", .12, "seed_ev_orders WHERE cs IS NOT NULL AND payment = 'succeeded'", checkoutObj,
		"created_at", "cs", "cus", "''"},
	{"pi", "payment_intent.succeeded", .16, "seed_ev_orders WHERE payment = 'succeeded'", paymentIntentObj("succeeded"),
		"created_at + interval '1 second'", "pi", "cus", "''"},
	{"ch", "charge.succeeded", .18, "seed_ev_orders WHERE payment = 'succeeded'", chargeObj("succeeded", "0"),
		"created_at + interval '2 seconds'", "ch", "cus", "''"},
	{"pf", "payment_intent.payment_failed", .01, "seed_ev_orders WHERE payment = 'failed'",
		paymentIntentObj("requires_payment_method"), "created_at + interval '1 second'", "pi", "cus", "''"},
	{"cf", "charge.failed", .01, "seed_ev_orders WHERE payment = 'failed'", chargeObj("failed", "0"),
		"created_at + interval '2 seconds'", "ch", "cus", "''"},
	{"rf", "charge.refunded", .014, "seed_ev_orders WHERE refunded_amount > 0", chargeObj("succeeded", "refunded_amount"),
		"updated_at", "ch", "cus", "''"},
	{"dc", "charge.dispute.created", .005, "seed_ev_disputes", fmt.Sprintf(disputeObj, "'needs_response'"),
		"created_at", "stripe_dispute_id", "''", "''"},
	{"dx", "charge.dispute.closed", .0047, "seed_ev_disputes WHERE queue_state = 'closed'", fmt.Sprintf(disputeObj, "status"),
		"updated_at", "stripe_dispute_id", "''", "''"},
	{"cc", "customer.created", .095, "seed_ev_customers", customerObj, "created_at", "cus", "cus", "''"},
	{"sc", "customer.subscription.created", .035, "seed_ev_subs", subscriptionObj, "created_at", "stripe_subscription_id",
		"cus", "''"},
	{"su", "customer.subscription.updated", .03, "seed_ev_subs", subscriptionObj, "updated_at", "stripe_subscription_id",
		"cus", "''"},
	{"ip", "invoice.paid", .07, "seed_ev_invoices WHERE status = 'paid'", invoiceObj, "created_at + interval '1 hour'",
		"stripe_invoice_id", "cus", "''"},
	{"if", "invoice.payment_failed", .004, "seed_ev_invoices WHERE status = 'payment_failed'", invoiceObj,
		"created_at + interval '1 hour'", "stripe_invoice_id", "cus", "''"},
	{"au", "account.updated", .01, "seed_sellers", accountObj, fmt.Sprintf(randomTime, "created_at", "created_at"),
		"acct", "''", "acct"},
	{"pp", "payout.paid", .09, "seed_sellers", payoutObj("'po_' || substr(acct, 6) || 'p' || g", "1000 + floor(pg_temp.sr(g, 8) * 90000)::bigint",
		"paid", "NULL", "NULL"), "now() - interval '365 days' * pg_temp.sr(g, 7)", "'po_' || substr(acct, 6) || 'p' || g", "''", "acct"},
	{"pd", "payout.failed", .001, "seed_ev_payouts", payoutObj("stripe_payout_id", "amount", "failed", "failure_code",
		"failure_message"), "created_at", "stripe_payout_id", "''", "acct"},
	{"ba", "balance.available", .003, "seed_sellers", `jsonb_build_object('object', 'balance', 'livemode', false,
		'available', jsonb_build_array(jsonb_build_object('amount', floor(pg_temp.sr(g, 8) * 1e6)::bigint, 'currency', 'usd')),
		'pending', '[]'::jsonb)`, "now() - interval '365 days' * pg_temp.sr(g, 7)", "''", "''", "''"},
	{"cu", "customer.updated", 0, "seed_ev_customers", customerObj, fmt.Sprintf(randomTime, "created_at", "created_at"),
		"cus", "cus", "''"},
}

// eventSources are the temp tables the categories read, each with the table
// whose first seeded ID it needs.
var eventSources = []struct{ sql, lo string }{
	{`CREATE TEMP TABLE seed_ev_orders ON COMMIT DROP AS
		SELECT o.id, o.reference, o.amount, o.refunded_amount, o.currency, o.payment, o.created_at, o.updated_at,
			o.stripe_checkout_session_id AS cs, o.stripe_payment_intent_id AS pi, o.stripe_charge_id AS ch,
			coalesce(b.stripe_customer_id, '') AS cus, b.email, b.name, s.stripe_account_id AS acct
		FROM orders o JOIN accounts b ON b.id = o.buyer_account_id LEFT JOIN accounts s ON s.id = o.seller_account_id
		WHERE o.id > $1`, "orders"},
	{`CREATE TEMP TABLE seed_ev_customers ON COMMIT DROP AS
		SELECT id, stripe_customer_id AS cus, email, name, created_at FROM accounts
		WHERE id > $1 AND stripe_customer_id IS NOT NULL`, "accounts"},
	{`CREATE TEMP TABLE seed_ev_subs ON COMMIT DROP AS
		SELECT s.*, a.stripe_customer_id AS cus FROM subscriptions s JOIN accounts a ON a.id = s.account_id
		WHERE s.id > $1`, "subscriptions"},
	{`CREATE TEMP TABLE seed_ev_invoices ON COMMIT DROP AS
		SELECT i.*, a.stripe_customer_id AS cus, a.email, a.name FROM invoices i JOIN accounts a ON a.id = i.account_id
		WHERE i.stripe_subscription_id IN (SELECT stripe_subscription_id FROM subscriptions WHERE id > $1)`, "subscriptions"},
	{`CREATE TEMP TABLE seed_ev_disputes ON COMMIT DROP AS SELECT * FROM disputes WHERE id > $1`, "disputes"},
	{`CREATE TEMP TABLE seed_ev_payouts ON COMMIT DROP AS
		SELECT p.*, p.stripe_account_id AS acct FROM seller_payouts p WHERE p.account_id > $1`, "accounts"},
}

// eventSteps plans the events: the sources, then one INSERT per category with
// its share of the total (a category without objects gives its share to
// customer.updated).
func eventSteps(ctx context.Context, tx pgx.Tx, r *run) ([]step, error) {
	for _, src := range eventSources {
		if _, err := tx.Exec(ctx, src.sql, r.lo[src.lo]); err != nil {
			return nil, fmt.Errorf("seed: event sources: %w", err)
		}
	}
	failed := "apply %s: ERROR: canceling statement due to statement timeout (SQLSTATE 57014)"
	_, held := jobs.Classify(false, "charge.succeeded", heldVersion, false)
	var steps []step
	left := r.sizes.Events
	for i, c := range categories {
		n := int(math.Round(float64(r.sizes.Events) * c.share))
		if i == len(categories)-1 {
			n = left
		}
		var objects int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+c.src).Scan(&objects); err != nil {
			return nil, fmt.Errorf("seed: objects of %s: %w", c.typ, err)
		}
		if objects == 0 || n <= 0 {
			continue // its share stays in left, for customer.updated
		}
		n = min(n, left)
		left -= n
		_, ignored := jobs.Classify(false, c.typ, jobs.SupportedAPIVersion, false)
		steps = append(steps, step{table: "stripe_events", label: c.typ, sql: c.insert(), args: func(r *run) []any {
			return []any{r.tag, n, fmt.Sprintf(failed, c.typ), held, ignored, !jobs.Handles(c.typ)}
		}})
	}
	return steps, nil
}

const heldVersion = "2024-06-20"

// insert is the category's INSERT: $1 tag, $2 how many, $3 the failure, $4
// the held reason, $5 the ignored reason, $6 whether the type is ignored.
func (c category) insert() string {
	return `
	WITH src AS MATERIALIZED (SELECT row_number() OVER () AS seed_n, * FROM ` + c.src + `),
	ev AS (
		SELECT 'evt_' || $1 || '` + c.code + `' || lpad(g::text, 9, '0') AS id, g, pg_temp.sr(g, 3) AS h,
			least(now() - interval '2 seconds', ` + c.at + `) AS created,
			` + c.object + ` AS object_id, coalesce(` + c.customer + `, '') AS customer,
			coalesce(` + c.account + `, '') AS account, ` + c.obj + ` AS obj
		FROM generate_series(1, $2::int) g JOIN src ON src.seed_n = 1 + (g::bigint * 7919) % (SELECT count(*) FROM src)),
	st AS (
		SELECT ev.*, CASE WHEN $6 THEN 'ignored' WHEN h < .003 THEN 'failed' WHEN h < .0035 THEN 'held'
				ELSE 'processed' END AS status,
			CASE WHEN NOT $6 AND h >= .003 AND h < .0035 THEN '` + heldVersion + `' ELSE '` + jobs.SupportedAPIVersion + `' END AS v,
			least(now(), created + interval '1 second' * (0.2 + h)) AS received
		FROM ev)
	INSERT INTO stripe_events (id, type, api_version, livemode, created, stripe_account, object_id, customer_id, payload,
		status, attempts, last_error, received_at, processed_at, request_id)
	SELECT id, '` + c.typ + `', v, false, created, account, object_id, customer,
		convert_to((jsonb_build_object('id', id, 'object', 'event', 'api_version', v,
			'created', floor(extract(epoch FROM created))::bigint, 'livemode', false, 'type', '` + c.typ + `',
			'data', jsonb_build_object('object', obj), 'pending_webhooks', 0,
			'request', jsonb_build_object('id', NULL, 'idempotency_key', NULL))
			|| CASE WHEN account <> '' THEN jsonb_build_object('account', account) ELSE '{}'::jsonb END)::text, 'UTF8'),
		status, CASE status WHEN 'failed' THEN 1 + floor(h * 1e4)::int % 5 WHEN 'processed' THEN 1 ELSE 0 END,
		CASE status WHEN 'failed' THEN $3 WHEN 'held' THEN $4 WHEN 'ignored' THEN $5 ELSE '' END,
		received, CASE WHEN status = 'processed' THEN received + interval '80 milliseconds' END, 'seed'
	FROM st`
}
