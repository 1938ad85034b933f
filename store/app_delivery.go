package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// App delivery statuses.
const (
	AppDeliveryPending   = "pending"
	AppDeliveryDelivered = "delivered"
	AppDeliveryFailed    = "failed"
)

// AppDelivery is one of Switchboard's own events to the marketplace app.
type AppDelivery struct {
	ID              int64      `db:"id"`
	EventID         string     `db:"event_id"`
	Type            string     `db:"type"`
	Object          string     `db:"object"`
	Payload         string     `db:"payload"`
	Status          string     `db:"status"`
	Attempts        int        `db:"attempts"`
	ResponseStatus  *int       `db:"response_status"`
	ResponseExcerpt string     `db:"response_excerpt"`
	LastError       string     `db:"last_error"`
	CreatedAt       time.Time  `db:"created_at"`
	UpdatedAt       time.Time  `db:"updated_at"`
	DeliveredAt     *time.Time `db:"delivered_at"`
}

// AppAttempt is the outcome of one delivery attempt: the receiver's status
// (nil when it did not answer), the start of its body, or the error.
type AppAttempt struct {
	Status  *int
	Excerpt string
	Error   string
	// Final marks a failure after which nothing is retried.
	Final bool
}

const appDeliveryColumns = `id, event_id, type, object, payload::text AS payload, status, attempts, response_status,
	response_excerpt, last_error, created_at, updated_at, delivered_at`

// CreateAppDelivery records an event for the app once per event ID; created
// is false when it was recorded before (a replayed Stripe event).
func (s *Store) CreateAppDelivery(ctx context.Context, eventID, typ, object string, payload []byte) (id int64, created bool, err error) {
	err = s.db.QueryRow(ctx, `INSERT INTO app_deliveries (event_id, type, object, payload) VALUES ($1, $2, $3, $4)
		ON CONFLICT (event_id) DO NOTHING RETURNING id`, eventID, typ, object, string(payload)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, mapErr("create app delivery", err)
}

// AppDeliveryByID returns one delivery.
func (s *Store) AppDeliveryByID(ctx context.Context, id int64) (AppDelivery, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+appDeliveryColumns+` FROM app_deliveries WHERE id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AppDelivery])
	return d, mapErr("app delivery", err)
}

// AppDeliveries lists deliveries newest first below an ID (0: from the
// newest), of a status ("" for all).
func (s *Store) AppDeliveries(ctx context.Context, status string, beforeID int64, limit int) ([]AppDelivery, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+appDeliveryColumns+` FROM app_deliveries
		WHERE ($1 = '' OR status = $1) AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`, status, beforeID, limit)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[AppDelivery])
	return ds, mapErr("app deliveries", err)
}

// RecordAppAttempt records an attempt: delivered on a 2xx, else the error
// (failed when final, pending while retries follow).
func (s *Store) RecordAppAttempt(ctx context.Context, id int64, a AppAttempt) error {
	status := AppDeliveryPending
	switch {
	case a.Error == "":
		status = AppDeliveryDelivered
	case a.Final:
		status = AppDeliveryFailed
	}
	_, err := s.db.Exec(ctx, `UPDATE app_deliveries SET status = $2, attempts = attempts + 1, response_status = $3,
		response_excerpt = $4, last_error = $5, updated_at = now(),
		delivered_at = CASE WHEN $2 = 'delivered' THEN now() END WHERE id = $1`,
		id, status, a.Status, truncate(Redact(a.Excerpt), 500), truncate(Redact(a.Error), 500))
	return mapErr("record app delivery attempt", err)
}

// RedeliverApp puts a delivery back to pending for another round of attempts.
func (s *Store) RedeliverApp(ctx context.Context, id int64) error {
	tag, err := s.db.Exec(ctx, `UPDATE app_deliveries SET status = 'pending', updated_at = now() WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return mapErr("redeliver app delivery", err)
}

// AppPaymentStateChange reports an account's payment state when it differs
// from the one the app was last told, and records it as told (in the
// caller's transaction, with the delivery).
func (s *Store) AppPaymentStateChange(ctx context.Context, accountID int64) (state string, changed bool, err error) {
	err = s.db.QueryRow(ctx, `UPDATE accounts SET app_payment_state = payment_state
		WHERE id = $1 AND app_payment_state IS DISTINCT FROM payment_state RETURNING payment_state`, accountID).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return state, err == nil, mapErr("app payment state change", err)
}
