package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CRMWork is an account as the CRM sync worker sees it: what to push and
// which change it is pushing.
type CRMWork struct {
	Account
	Version    int64      `db:"crm_sync_version"`
	DirtySince *time.Time `db:"crm_dirty_since"`
}

// CRMLatency summarises how long changes took to reach the CRM.
type CRMLatency struct {
	Syncs  int64
	Median time.Duration
	P95    time.Duration
}

// RequestCRMSync records that an account changed and must reach the CRM: it
// bumps the account's sync version and keeps the time of the oldest change not
// yet pushed. With the CRM disabled the account is marked so instead.
func (s *Store) RequestCRMSync(ctx context.Context, id int64, at time.Time, enabled bool) error {
	if !enabled {
		_, err := s.db.Exec(ctx, `UPDATE accounts SET crm_sync_status = 'disabled' WHERE id = $1 AND crm_sync_status <> 'disabled'`, id)
		return mapErr("disable crm sync", err)
	}
	_, err := s.db.Exec(ctx, `
		UPDATE accounts SET
			crm_sync_version = crm_sync_version + 1,
			crm_dirty_since = coalesce(crm_dirty_since, $2),
			crm_sync_attempts = CASE WHEN crm_sync_status IN ('synced', 'failed', 'disabled') THEN 0 ELSE crm_sync_attempts END,
			crm_sync_status = CASE WHEN crm_sync_status IN ('synced', 'failed', 'disabled') THEN 'pending' ELSE crm_sync_status END
		WHERE id = $1`, id, at)
	return mapErr("request crm sync", err)
}

// CRMWorkFor loads what the CRM sync worker pushes for an account.
func (s *Store) CRMWorkFor(ctx context.Context, id int64) (CRMWork, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+accountColumns+`, crm_sync_version, crm_dirty_since FROM accounts WHERE id = $1`, id)
	w, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CRMWork])
	w.fill()
	return w, mapErr("crm work", err)
}

// CRMSyncSucceeded records a successful push of version: the contact ID, the
// status, and one latency sample. It reports whether the account changed again
// while the push was in flight (so another push is due).
func (s *Store) CRMSyncSucceeded(ctx context.Context, id, version int64, contactID, provider string) (again bool, err error) {
	err = s.InTx(ctx, func(tx *Store) error {
		var requested *time.Time
		var current int64
		if err := tx.db.QueryRow(ctx, `SELECT crm_dirty_since, crm_sync_version FROM accounts WHERE id = $1 FOR UPDATE`, id).
			Scan(&requested, &current); err != nil {
			return mapErr("lock account for crm", err)
		}
		again = current > version
		if _, err := tx.db.Exec(ctx, `
			UPDATE accounts SET
				crm_contact_id = CASE WHEN $3 <> '' THEN $3 ELSE crm_contact_id END,
				crm_synced_version = greatest(crm_synced_version, $2),
				crm_sync_status = CASE WHEN $4 THEN 'pending' ELSE 'synced' END,
				crm_sync_attempts = crm_sync_attempts + 1,
				crm_last_error = '',
				crm_last_synced_at = now(),
				crm_dirty_since = CASE WHEN $4 THEN crm_dirty_since ELSE NULL END
			WHERE id = $1`, id, version, contactID, again); err != nil {
			return mapErr("record crm sync", err)
		}
		if requested == nil {
			return nil // a push with no recorded change (a retry after a newer success)
		}
		_, err := tx.db.Exec(ctx, `INSERT INTO crm_syncs (account_id, contact_id, provider, requested_at) VALUES ($1, $2, $3, $4)`,
			id, contactID, provider, *requested)
		return mapErr("insert crm sync", err)
	})
	return again, err
}

// CRMSyncFailed records a failed push: retrying while attempts remain, else
// failed. msg must already be free of secrets.
func (s *Store) CRMSyncFailed(ctx context.Context, id int64, msg string, final bool) error {
	status := CRMRetrying
	if final {
		status = CRMFailed
	}
	_, err := s.db.Exec(ctx, `
		UPDATE accounts SET crm_sync_status = $2, crm_sync_attempts = crm_sync_attempts + 1, crm_last_error = $3
		WHERE id = $1`, id, status, truncate(Redact(msg), 1000))
	return mapErr("record crm failure", err)
}

// CRMWaiting records that a push is waiting (rate limited) without counting an
// attempt.
func (s *Store) CRMWaiting(ctx context.Context, id int64, msg string) error {
	_, err := s.db.Exec(ctx, `UPDATE accounts SET crm_sync_status = 'retrying', crm_last_error = $2 WHERE id = $1`,
		id, truncate(Redact(msg), 1000))
	return mapErr("record crm wait", err)
}

// CRMLatencySince is the median and 95th percentile time from a change (for a
// payment, the webhook's arrival) to its CRM update, over syncs since a time.
func (s *Store) CRMLatencySince(ctx context.Context, since time.Time) (CRMLatency, error) {
	var l CRMLatency
	var med, p95 float64
	err := s.db.QueryRow(ctx, `
		SELECT count(*),
			coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM synced_at - requested_at)), 0),
			coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM synced_at - requested_at)), 0)
		FROM crm_syncs WHERE synced_at >= $1`, since).Scan(&l.Syncs, &med, &p95)
	l.Median = time.Duration(med * float64(time.Second))
	l.P95 = time.Duration(p95 * float64(time.Second))
	return l, mapErr("crm latency", err)
}

// CRMStatusCounts counts accounts by CRM sync status (for the overview).
func (s *Store) CRMStatusCounts(ctx context.Context) (map[string]int64, error) {
	rows, _ := s.db.Query(ctx, `SELECT crm_sync_status, count(*) FROM accounts GROUP BY 1`)
	out := map[string]int64{}
	var k string
	var n int64
	_, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error { out[k] = n; return nil })
	return out, mapErr("crm status counts", err)
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
