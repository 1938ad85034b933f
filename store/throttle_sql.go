package store

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// throttleKeep is how long a counted failure is kept: longer than any window
// a throttle counts over.
const throttleKeep = 24 * time.Hour

// HitCounts returns how many failures each key has had within window (keys
// without any are absent from the map).
func (s *Store) HitCounts(ctx context.Context, window time.Duration, keys ...string) (map[string]int, error) {
	rows, err := s.db.Query(ctx, `SELECT key, count(*) FROM throttle_hits
		WHERE key = ANY($1) AND at > now() - $2 * interval '1 second' GROUP BY key`, keys, window.Seconds())
	if err != nil {
		return nil, mapErr("throttle hit counts", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, mapErr("throttle hit counts", err)
		}
		out[k] = n
	}
	return out, mapErr("throttle hit counts", rows.Err())
}

// TakeAttempt decides an attempt against the failures counted under keys
// within window, atomically: it holds a lock per key (in one order, so
// attempts sharing a key never deadlock) while it counts and, when allow
// admits the counts, records the attempt as a failure under every key before
// the lock is released. Concurrent attempts are therefore decided one after
// another, each seeing the ones before it. It returns the counts before this
// attempt and, when admitted, the IDs of its hits (nil when refused): give
// them back with ForgetHits when the attempt turns out to have succeeded.
func (s *Store) TakeAttempt(ctx context.Context, window time.Duration, keys []string, allow func(counts map[string]int) bool) (map[string]int, []int64, error) {
	var counts map[string]int
	var ids []int64
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.Exec(ctx, `SELECT pg_advisory_xact_lock(h) FROM (
			SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY h) locks`, keys); err != nil {
			return mapErr("lock throttle keys", err)
		}
		var err error
		if counts, err = tx.HitCounts(ctx, window, keys...); err != nil {
			return err
		}
		if !allow(counts) {
			return nil
		}
		rows, _ := tx.db.Query(ctx, `
			WITH pruned AS (DELETE FROM throttle_hits WHERE key = ANY($1) AND at < now() - $2 * interval '1 second')
			INSERT INTO throttle_hits (key) SELECT unnest($1::text[]) RETURNING id`, keys, throttleKeep.Seconds())
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return mapErr("take throttle attempt", err)
	})
	if err == nil && rand.IntN(100) == 0 {
		// Now and then every key's old hits go, so the table holds about a day.
		_, err = s.db.Exec(ctx, `DELETE FROM throttle_hits WHERE at < now() - $1 * interval '1 second'`, throttleKeep.Seconds())
		err = mapErr("prune throttle hits", err)
	}
	return counts, ids, err
}

// ForgetHits removes hits TakeAttempt recorded (an attempt that succeeded).
func (s *Store) ForgetHits(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.Exec(ctx, `DELETE FROM throttle_hits WHERE id = ANY($1)`, ids)
	return mapErr("forget throttle hits", err)
}
