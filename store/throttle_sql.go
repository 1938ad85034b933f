package store

import (
	"context"
	"math/rand/v2"
	"time"
)

// throttleKeep is how long a counted failure is kept: longer than any window
// a throttle counts over.
const throttleKeep = 24 * time.Hour

// RecordHits counts one failure under each key, now. Old hits of the same keys
// are pruned on the way, and now and then those of every key, so the table
// holds about a day of failures.
func (s *Store) RecordHits(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := s.db.Exec(ctx, `
		WITH pruned AS (DELETE FROM throttle_hits WHERE key = ANY($1) AND at < now() - $2 * interval '1 second')
		INSERT INTO throttle_hits (key) SELECT unnest($1::text[])`, keys, throttleKeep.Seconds())
	if err != nil {
		return mapErr("record throttle hits", err)
	}
	if rand.IntN(100) == 0 {
		_, err = s.db.Exec(ctx, `DELETE FROM throttle_hits WHERE at < now() - $1 * interval '1 second'`, throttleKeep.Seconds())
	}
	return mapErr("prune throttle hits", err)
}

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
