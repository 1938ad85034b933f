package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// attentionBranches are the sources of the overview's "Needs attention" list,
// each limited by $2 rows and selecting the same columns; $1 is now. The
// River job counts come from Overview (River's own tables are read through
// its client elsewhere).
var attentionBranches = []string{
	`SELECT '` + AttnEventFailed + `' AS kind, id AS ref, type AS label, last_error AS detail, attempts::bigint AS count,
		NULL::bigint AS account_id, NULL::bigint AS amount, '' AS currency, received_at AS at, livemode, '' AS stripe_id
	FROM stripe_events WHERE status = 'failed' ORDER BY received_at DESC LIMIT $2`,
	`SELECT '` + AttnEventHeld + `', api_version, '', '', count(*), NULL::bigint, NULL::bigint, '', max(received_at), bool_or(livemode), ''
	FROM stripe_events WHERE status = 'held' GROUP BY api_version ORDER BY max(received_at) DESC LIMIT $2`,
	`SELECT '` + AttnEventRetrying + `', id, type, last_error, attempts::bigint, NULL::bigint, NULL::bigint, '', received_at, livemode, ''
	FROM stripe_events WHERE status = 'received' AND attempts > 0 ORDER BY received_at DESC LIMIT $2`,
	`SELECT '` + AttnDisputeDue + `', id::text, reason, status, 1::bigint, account_id, amount, currency, evidence_due_by, false, stripe_dispute_id
	FROM disputes WHERE queue_state = 'open' AND evidence_due_by < $1::timestamptz + interval '72 hours'
	ORDER BY evidence_due_by, id LIMIT $2`,
	// The latest refund request of an order that failed for good while the
	// order can still be refunded: request it again, or refund in Stripe.
	`SELECT '` + AttnRefundFailed + `', o.id::text, coalesce(nullif(o.reference, ''), 'order ' || o.id), q.error_message, 1::bigint,
		o.buyer_account_id, q.amount, q.currency, q.updated_at, false, coalesce(o.stripe_payment_intent_id, o.stripe_charge_id, '')
	FROM refund_requests q JOIN orders o ON o.id = q.order_id
	WHERE q.status = 'failed' AND q.updated_at > $1::timestamptz - interval '30 days' AND o.status IN ('paid', 'partially_refunded')
		AND NOT EXISTS (SELECT 1 FROM refund_requests l WHERE l.order_id = q.order_id AND l.id > q.id)
	ORDER BY q.updated_at DESC LIMIT $2`,
	// Evidence that did not reach Stripe for a dispute still open, before
	// its deadline: submit again, or respond in Stripe's Dashboard.
	`SELECT '` + AttnEvidenceFailed + `', d.id::text, d.stripe_dispute_id, x.error_message, 1::bigint,
		d.account_id, d.amount, d.currency, d.evidence_due_by, false, d.stripe_dispute_id
	FROM dispute_evidence_submissions x JOIN disputes d ON d.id = x.dispute_id
	WHERE x.status = 'failed' AND d.queue_state = 'open' AND (d.evidence_due_by IS NULL OR d.evidence_due_by > $1)
		AND NOT EXISTS (SELECT 1 FROM dispute_evidence_submissions l WHERE l.dispute_id = x.dispute_id AND l.id > x.id)
	ORDER BY d.evidence_due_by NULLS LAST, d.id LIMIT $2`,
	`SELECT '` + AttnPayoutFailed + `', stripe_payout_id, failure_code, failure_message, 1::bigint, account_id, amount, currency, updated_at, false, ''
	FROM seller_payouts WHERE status = 'failed' AND updated_at > $1::timestamptz - interval '7 days'
	ORDER BY updated_at DESC LIMIT $2`,
	`SELECT '` + AttnCRMDegraded + `', '', '', (array_agg(crm_last_error ORDER BY crm_dirty_since))[1], count(*),
		(array_agg(id ORDER BY crm_dirty_since))[1], NULL::bigint, '', min(crm_dirty_since), false, ''
	FROM accounts WHERE crm_sync_status IN ('retrying', 'failed') HAVING count(*) > 0`,
	`SELECT '` + AttnMailDegraded + `', '', '', (array_agg(last_error ORDER BY id DESC))[1], count(*), NULL::bigint, NULL::bigint, '', max(created_at), false, ''
	FROM messages WHERE status IN ('degraded', 'failed') HAVING count(*) > 0`,
	`SELECT '` + AttnAppFailed + `', '', '', (array_agg(last_error ORDER BY updated_at DESC))[1], count(*), NULL::bigint, NULL::bigint, '',
		max(updated_at), false, ''
	FROM app_deliveries WHERE status = 'failed' AND updated_at > $1::timestamptz - interval '7 days' HAVING count(*) > 0`,
	`SELECT '` + AttnEmailUnknown + `', id::text, subject, last_error, 1::bigint, account_id, NULL::bigint, '', created_at, false, ''
	FROM messages WHERE status = 'unknown' ORDER BY id DESC LIMIT $2`,
}

var attentionSQL = func() string {
	parts := make([]string, len(attentionBranches))
	for i, b := range attentionBranches {
		parts[i] = "(" + b + ")"
	}
	return strings.Join(parts, "\nUNION ALL\n")
}()

// Attention lists what needs someone now, a few of each kind: failed, held
// and retrying events, disputes due within AttentionWindow, payouts that
// failed in the last week, the CRM and mail when degraded, and emails whose
// delivery is unknown. Jobs come from the caller (River's counts).
func (s *Store) Attention(ctx context.Context, now time.Time) ([]AttentionItem, error) {
	rows, _ := s.db.Query(ctx, attentionSQL, now, attentionPerKind)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[AttentionItem])
	if err != nil {
		return nil, fmt.Errorf("attention: %w", err)
	}
	return items, nil
}
