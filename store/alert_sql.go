package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const alertColumns = `id, kind, subject, severity, message, count, first_seen_at, last_seen_at, acknowledged_at,
	acknowledged_by, resolved_at, resolved_by, resolved_reason, notified_at, delivery_error`

// RaiseAlert records one occurrence of a problem: a new row for a new kind and
// subject, else the existing row counts it (and reopens it if it was resolved).
func (s *Store) RaiseAlert(ctx context.Context, in NewAlert) (AlertRaise, error) {
	if in.Severity == "" {
		in.Severity = SeverityWarning
	}
	rows, _ := s.db.Query(ctx, `
		WITH prev AS (SELECT resolved_at FROM alerts WHERE kind = $1 AND subject = $2),
		up AS (
			INSERT INTO alerts (kind, subject, severity, message) VALUES ($1, $2, $3, $4)
			ON CONFLICT (kind, subject) DO UPDATE SET
				count = alerts.count + 1, last_seen_at = now(), message = EXCLUDED.message, severity = EXCLUDED.severity,
				acknowledged_at = CASE WHEN alerts.resolved_at IS NULL THEN alerts.acknowledged_at END,
				acknowledged_by = CASE WHEN alerts.resolved_at IS NULL THEN alerts.acknowledged_by ELSE '' END,
				resolved_at = NULL, resolved_by = '', resolved_reason = ''
			RETURNING `+alertColumns+`, (xmax = 0) AS created
		)
		SELECT up.*, coalesce((SELECT resolved_at IS NOT NULL FROM prev), false) AS reopened FROM up`,
		in.Kind, in.Subject, in.Severity, truncate(Redact(in.Message), 2000))
	type row struct {
		Alert
		Created  bool `db:"created"`
		Reopened bool `db:"reopened"`
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
	if err != nil {
		return AlertRaise{}, mapErr("raise alert", err)
	}
	return AlertRaise{Alert: r.Alert, Notify: r.Created || r.Reopened}, nil
}

// ResolveAlert marks a problem as over (a CRM call that works again), by
// whom (AlertResolver when Switchboard saw it clear) and why. It is a no-op
// when there is no open alert of that kind and subject.
func (s *Store) ResolveAlert(ctx context.Context, kind, subject, by, reason string) error {
	_, err := s.db.Exec(ctx, `UPDATE alerts SET resolved_at = now(), resolved_by = $3, resolved_reason = $4
		WHERE kind = $1 AND subject = $2 AND resolved_at IS NULL`, kind, subject, by, reason)
	return mapErr("resolve alert", err)
}

// clearedAlerts are the alerts whose cause can be looked up, each with the
// condition that says the cause has cleared and the reason recorded when it
// has. In the conditions, ref is the part of the alert's subject after the
// colon and refID the same as a number (NULL when it is not one).
var clearedAlerts = []struct{ kind, cleared, reason string }{
	{AlertEventHeld, `NOT EXISTS (SELECT 1 FROM stripe_events e WHERE e.status = 'held' AND e.api_version = ref)`,
		`No event of this API version is held any more: each was replayed or ignored.`},
	{AlertEventFailed, `EXISTS (SELECT 1 FROM stripe_events e WHERE e.id = ref AND e.status <> 'failed')`,
		`The event no longer fails: it was replayed or ignored.`},
	{AlertRefundFailed, `EXISTS (SELECT 1 FROM refund_requests q JOIN orders o ON o.id = q.order_id WHERE q.id = refID
		AND (o.status IN ('refunded', 'charged_back') OR EXISTS (SELECT 1 FROM refund_requests later
			WHERE later.order_id = q.order_id AND later.id > q.id AND later.status = 'submitted')))`,
		`The order was refunded since: a later request reached Stripe, or Stripe reports the payment refunded.`},
	{AlertEvidenceFailed, `EXISTS (SELECT 1 FROM disputes d WHERE d.stripe_dispute_id = ref AND (d.queue_state = 'closed'
		OR EXISTS (SELECT 1 FROM dispute_evidence_submissions x WHERE x.dispute_id = d.id AND x.status = 'submitted')))`,
		`Evidence for the dispute reached Stripe since, or the dispute is closed.`},
	{AlertCRMSyncFailed, `EXISTS (SELECT 1 FROM accounts c WHERE c.id = refID AND c.crm_sync_status = 'synced')`,
		`The account synced to the CRM since.`},
	{AlertEmailFailed, `EXISTS (SELECT 1 FROM messages m WHERE m.id = refID AND m.status = 'sent')`,
		`The email was sent since.`},
	{AlertPayoutFailed, `EXISTS (SELECT 1 FROM seller_payouts p WHERE p.stripe_payout_id = ref AND p.status = 'paid')`,
		`Stripe paid the payout since.`},
	{AlertAppWebhookFailed, `EXISTS (SELECT 1 FROM app_deliveries d WHERE d.id = refID AND d.status = 'delivered')`,
		`The app took the event since (redelivered).`},
	{AlertApplyLag, `NOT EXISTS (SELECT 1 FROM stripe_events e WHERE e.status = 'received' AND e.attempts = 0
		AND e.received_at < now() - interval '1 minute')`,
		`Events are applied within a minute again.`},
}

// clearLockTimeout bounds how long resolving cleared alerts waits for a
// table another transaction has locked: it is housekeeping, and a page that
// runs it must not hang behind a lock.
const clearLockTimeout = "200ms"

// ResolveClearedAlerts resolves every open alert whose cause has cleared (a
// held event replayed, a failed refund done since…), recording Switchboard
// as the resolver and why. It looks only at the kinds that have open alerts,
// and skips a kind whose tables are locked (the next run resolves it). It
// returns how many it resolved.
func (s *Store) ResolveClearedAlerts(ctx context.Context) (int64, error) {
	rows, _ := s.db.Query(ctx, `SELECT DISTINCT kind FROM alerts WHERE resolved_at IS NULL`)
	open, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, mapErr("open alert kinds", err)
	}
	var n int64
	for _, c := range clearedAlerts {
		if !slices.Contains(open, c.kind) {
			continue
		}
		err := s.InTx(ctx, func(tx *Store) error {
			if _, err := tx.db.Exec(ctx, `SET LOCAL lock_timeout = '`+clearLockTimeout+`'`); err != nil {
				return err
			}
			tag, err := tx.db.Exec(ctx, `UPDATE alerts a SET resolved_at = now(), resolved_by = $2, resolved_reason = $3
				FROM (SELECT id, split_part(subject, ':', 2) AS ref,
					CASE WHEN split_part(subject, ':', 2) ~ '^[0-9]{1,18}$' THEN split_part(subject, ':', 2)::bigint END AS refID
					FROM alerts WHERE kind = $1 AND resolved_at IS NULL) s
				WHERE a.id = s.id AND (`+c.cleared+`)`, c.kind, AlertResolver, c.reason)
			n += tag.RowsAffected()
			return err
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.LockNotAvailable {
			continue
		}
		if err != nil {
			return n, mapErr("resolve cleared "+c.kind+" alerts", err)
		}
	}
	return n, nil
}

// AlertByID returns one alert.
func (s *Store) AlertByID(ctx context.Context, id int64) (Alert, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = $1`, id)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Alert])
	return a, mapErr("alert by id", err)
}

// AlertByKey returns the alert of a kind and subject.
func (s *Store) AlertByKey(ctx context.Context, kind, subject string) (Alert, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE kind = $1 AND subject = $2`, kind, subject)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Alert])
	return a, mapErr("alert by key", err)
}

// Alerts lists alerts, most recently seen first; with openOnly, resolved ones
// are left out (acknowledged ones stay, marked).
func (s *Store) Alerts(ctx context.Context, openOnly bool, limit int) ([]Alert, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+alertColumns+` FROM alerts
		WHERE NOT $1 OR resolved_at IS NULL ORDER BY last_seen_at DESC, id DESC LIMIT $2`, openOnly, limit)
	as, err := pgx.CollectRows(rows, pgx.RowToStructByName[Alert])
	return as, mapErr("alerts", err)
}

// AcknowledgeAlert records that someone has seen an alert, in the audit log too.
func (s *Store) AcknowledgeAlert(ctx context.Context, id int64, actor string) error {
	return s.InTx(ctx, func(tx *Store) error {
		tag, err := tx.db.Exec(ctx, `UPDATE alerts SET acknowledged_at = now(), acknowledged_by = $2
			WHERE id = $1 AND acknowledged_at IS NULL`, id, actor)
		if err != nil {
			return mapErr("acknowledge alert", err)
		}
		if tag.RowsAffected() == 0 {
			if _, err := tx.AlertByID(ctx, id); err != nil {
				return err
			}
			return nil // already acknowledged
		}
		return tx.Audit(ctx, actor, "alert.acknowledge", fmt.Sprintf("alert:%d", id), nil)
	})
}

// AlertDelivered records the outcome of telling a channel about an alert; an
// empty errMsg is a success. The console shows a broken channel from this.
func (s *Store) AlertDelivered(ctx context.Context, id int64, channel, errMsg string) error {
	var err error
	if errMsg == "" {
		_, err = s.db.Exec(ctx, `UPDATE alerts SET notified_at = now(),
			delivery_error = CASE WHEN delivery_error LIKE $2 || ':%' THEN '' ELSE delivery_error END WHERE id = $1`, id, channel)
	} else {
		_, err = s.db.Exec(ctx, `UPDATE alerts SET delivery_error = $2 || ': ' || $3 WHERE id = $1`,
			id, channel, truncate(Redact(errMsg), 500))
	}
	return mapErr("alert delivered", err)
}

// alertStateWhere is the allow-list of the state filters AlertsIn accepts.
var alertStateWhere = map[string]string{
	AlertStateOpen:         `resolved_at IS NULL AND acknowledged_at IS NULL`,
	AlertStateAcknowledged: `resolved_at IS NULL AND acknowledged_at IS NOT NULL`,
	AlertStateResolved:     `resolved_at IS NOT NULL`,
}

// AlertsIn lists the alerts in a console state, most recently seen first,
// starting after a cursor (nil for the first page).
func (s *Store) AlertsIn(ctx context.Context, state string, after *AlertCursor, limit int) ([]Alert, error) {
	where, ok := alertStateWhere[state]
	if !ok {
		return nil, fmt.Errorf("alerts in %q: not an alert state", state)
	}
	var at *time.Time
	var id int64
	if after != nil {
		at, id = &after.LastSeenAt, after.ID
	}
	rows, _ := s.db.Query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE `+where+`
		AND ($1::timestamptz IS NULL OR (last_seen_at, id) < ($1, $2))
		ORDER BY last_seen_at DESC, id DESC LIMIT $3`, at, id, limit)
	as, err := pgx.CollectRows(rows, pgx.RowToStructByName[Alert])
	return as, mapErr("alerts in "+state, err)
}

// CountAlerts counts alerts by console state.
func (s *Store) CountAlerts(ctx context.Context) (AlertCounts, error) {
	rows, _ := s.db.Query(ctx, `SELECT
		count(*) FILTER (WHERE `+alertStateWhere[AlertStateOpen]+`) AS open,
		count(*) FILTER (WHERE `+alertStateWhere[AlertStateAcknowledged]+`) AS acknowledged,
		count(*) FILTER (WHERE `+alertStateWhere[AlertStateResolved]+`) AS resolved
		FROM alerts`)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AlertCounts])
	return c, mapErr("count alerts", err)
}
