package store

import (
	"cmp"
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

const eventColumns = `id, type, api_version, livemode, created, stripe_account, object_id, customer_id,
	payload, status, attempts, last_error, received_at, processed_at, request_id`

// InsertEvent stores a verified event unless its ID is already stored. It reports
// whether the row is new; a duplicate changes nothing.
func (s *Store) InsertEvent(ctx context.Context, e NewEvent) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		INSERT INTO stripe_events (id, type, api_version, livemode, created, stripe_account, object_id,
			customer_id, payload, status, last_error, request_id, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (id) DO NOTHING`,
		e.ID, e.Type, e.APIVersion, e.Livemode, e.Created, e.StripeAccount, e.ObjectID,
		e.CustomerID, e.Payload, e.Status, e.LastError, e.RequestID, cmp.Or(e.Source, SourceWebhook))
	if err != nil {
		return false, mapErr("insert event", err)
	}
	return tag.RowsAffected() == 1, nil
}

// EventByID returns one event.
func (s *Store) EventByID(ctx context.Context, id string) (Event, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+eventColumns+` FROM stripe_events WHERE id = $1`, id)
	e, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Event])
	return e, mapErr("event by id", err)
}

// LockEvent returns one event, locked for the rest of the transaction so that two
// workers never apply the same event at once.
func (s *Store) LockEvent(ctx context.Context, id string) (Event, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+eventColumns+` FROM stripe_events WHERE id = $1 FOR UPDATE`, id)
	e, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Event])
	return e, mapErr("lock event", err)
}

// FinishEvent records the outcome of applying an event: processed or ignored
// (with the reason), and what applying it changed (JSON, may be nil).
func (s *Store) FinishEvent(ctx context.Context, id, status, reason string, effects []byte) error {
	_, err := s.db.Exec(ctx, `
		UPDATE stripe_events
		SET status = $2, last_error = $3, attempts = attempts + 1, processed_at = now(), effects = $4
		WHERE id = $1`, id, status, reason, effects)
	return mapErr("finish event", err)
}

// FailEventAttempt records a failed attempt. While another attempt is
// scheduled (final false) the event stays received, its attempts and last
// error telling the story; final marks it failed: nothing will retry it.
func (s *Store) FailEventAttempt(ctx context.Context, id, msg string, final bool) error {
	status := EventReceived
	if final {
		status = EventFailed
	}
	_, err := s.db.Exec(ctx, `
		UPDATE stripe_events SET status = $3, attempts = attempts + 1, last_error = $2
		WHERE id = $1 AND status <> 'processed'`, id, msg, status)
	return mapErr("fail event attempt", err)
}

// CountWebhookRefusal counts a delivery the endpoint refused or absorbed
// (bad_signature, bad_body, duplicate) in its minute.
func (s *Store) CountWebhookRefusal(ctx context.Context, kind string) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO webhook_counters (bucket, kind, count) VALUES (date_trunc('minute', now()), $1, 1)
		ON CONFLICT (bucket, kind) DO UPDATE SET count = webhook_counters.count + 1`, kind)
	return mapErr("count webhook refusal", err)
}

// EventEffects returns the stored effects of an event (nil when it has none).
func (s *Store) EventEffects(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := s.db.QueryRow(ctx, `SELECT effects FROM stripe_events WHERE id = $1`, id).Scan(&b)
	return b, mapErr("event effects", err)
}

// IgnoreEvent marks a failed, held or retrying event ignored, the reason in
// its last error, so nothing replays it by accident. Any other status (or no
// such event) is ErrNotFound: processed and ignored events stay as they are.
func (s *Store) IgnoreEvent(ctx context.Context, id, reason string) (Event, error) {
	rows, _ := s.db.Query(ctx, `UPDATE stripe_events SET status = 'ignored', last_error = $2, processed_at = now()
		WHERE id = $1 AND status IN ('failed', 'held', 'received') RETURNING `+eventColumns, id, reason)
	e, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Event])
	return e, mapErr("ignore event", err)
}

// ApplyLag is the apply lag now: how many events wait for their first apply
// and how long the oldest of them has waited.
func (s *Store) ApplyLag(ctx context.Context) (backlog int64, lag time.Duration, err error) {
	var secs float64
	err = s.db.QueryRow(ctx, `SELECT count(*), `+applyLagSeconds+` FROM stripe_events WHERE `+eventBacklogWhere).Scan(&backlog, &secs)
	return backlog, time.Duration(secs * float64(time.Second)), mapErr("apply lag", err)
}

// ApplyLagStayedOver reports whether the apply lag was over threshold now
// and at every minute of the window before (say, 5 minutes), read from the
// ledger's history: at each moment t, some event received before
// t - threshold was not yet applied (it is still waiting for its first apply,
// or it was processed after t). An event processed after t is looked for
// among those received in the hour before t - threshold, so the check reads
// a bounded slice of the ledger; an event still waiting is found however old.
func (s *Store) ApplyLagStayedOver(ctx context.Context, threshold, window time.Duration) (bool, error) {
	var over *bool
	err := s.db.QueryRow(ctx, `
		SELECT bool_and(
			EXISTS (SELECT 1 FROM stripe_events WHERE `+eventBacklogWhere+` AND received_at <= t - $1::interval)
			OR EXISTS (SELECT 1 FROM stripe_events
				WHERE received_at <= t - $1::interval AND received_at > t - $1::interval - interval '1 hour'
				AND processed_at > t))
		FROM generate_series(now() - $2::interval, now(), interval '1 minute') AS t`, threshold, window).Scan(&over)
	return over != nil && *over, mapErr("apply lag stayed over", err)
}

// InsertEventAnd stores a verified event and, only when it is new, runs also
// in the same statement: one round trip, committed on its own, so the event
// is durable with also's writes or not at all. also is a data-modifying
// statement over the new row, the CTE ev (id), whose parameters are alsoArgs
// as $14, $15, … It reports whether the event is new (a duplicate changes
// nothing). A broken connection is retried once: the event's unique ID makes
// that safe.
func (s *Store) InsertEventAnd(ctx context.Context, e NewEvent, also string, alsoArgs ...any) (bool, error) {
	args := append([]any{e.ID, e.Type, e.APIVersion, e.Livemode, e.Created, e.StripeAccount, e.ObjectID,
		e.CustomerID, e.Payload, e.Status, e.LastError, e.RequestID, cmp.Or(e.Source, SourceWebhook)}, alsoArgs...)
	var inserted bool
	err := s.retryConnLost(ctx, func() error {
		return s.db.QueryRow(ctx, `
		WITH ev AS (
			INSERT INTO stripe_events (id, type, api_version, livemode, created, stripe_account, object_id,
				customer_id, payload, status, last_error, request_id, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (id) DO NOTHING
			RETURNING id
		), also AS ( -- runs for each new event row, whether or not the SELECT reads it
			`+also+`
		)
		SELECT EXISTS (SELECT 1 FROM ev)`, args...).Scan(&inserted)
	})
	return inserted, mapErr("insert event", err)
}
