package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// EventFilter selects events for the console's list and bulk replay. Empty
// fields match everything.
type EventFilter struct {
	Type   string
	Status string
	// Day selects events received on that UTC day.
	Day *time.Time
	// Customer is a Stripe customer ID (cus_…) or an account's email.
	Customer string
}

// IsZero reports whether the filter matches every event.
func (f EventFilter) IsZero() bool {
	return f.Type == "" && f.Status == "" && f.Day == nil && f.Customer == ""
}

// ValidEventStatus reports whether s is an event status.
func ValidEventStatus(s string) bool {
	switch s {
	case EventReceived, EventProcessed, EventFailed, EventIgnored, EventHeld:
		return true
	}
	return false
}

// EventCursor is the keyset position after which a page of events starts.
type EventCursor struct {
	ReceivedAt time.Time
	ID         string
}

// where builds the filter's conditions with $n placeholders from n+1 on.
func (f EventFilter) where(args []any) (string, []any) {
	conds := []string{"true"}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Type != "" {
		add("type = $?", f.Type)
	}
	if f.Status != "" {
		add("status = $?", f.Status)
	}
	if f.Day != nil {
		d := time.Date(f.Day.Year(), f.Day.Month(), f.Day.Day(), 0, 0, 0, 0, time.UTC)
		add("received_at >= $?", d)
		add("received_at < $?", d.AddDate(0, 0, 1))
	}
	switch c := strings.TrimSpace(f.Customer); {
	case c == "":
	case strings.Contains(c, "@"):
		add("customer_id <> '' AND customer_id = (SELECT stripe_customer_id FROM accounts WHERE lower(email) = lower($?))", c)
	default:
		add("customer_id <> '' AND customer_id = $?", c)
	}
	return strings.Join(conds, " AND "), args
}

const eventListColumns = `id, type, api_version, livemode, created, stripe_account, object_id, customer_id,
	status, attempts, last_error, received_at, processed_at, request_id`

// Events lists events matching f, newest first, starting after a cursor (nil
// for the first page). The payload is left out.
func (s *Store) Events(ctx context.Context, f EventFilter, after *EventCursor, limit int) ([]Event, error) {
	where, args := f.where(nil)
	if after != nil {
		args = append(args, after.ReceivedAt, after.ID)
		where += fmt.Sprintf(" AND (received_at, id) < ($%d, $%d)", len(args)-1, len(args))
	}
	args = append(args, limit)
	rows, _ := s.db.Query(ctx, `SELECT `+eventListColumns+` FROM stripe_events WHERE `+where+
		fmt.Sprintf(` ORDER BY received_at DESC, id DESC LIMIT $%d`, len(args)), args...)
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[Event])
	return evs, mapErr("events", err)
}

// CountEvents counts events matching f.
func (s *Store) CountEvents(ctx context.Context, f EventFilter) (int, error) {
	where, args := f.where(nil)
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM stripe_events WHERE `+where, args...).Scan(&n)
	return n, mapErr("count events", err)
}

// EventIDs lists the IDs of events matching f, oldest first (the order a bulk
// replay applies them in), at most limit.
func (s *Store) EventIDs(ctx context.Context, f EventFilter, limit int) ([]string, error) {
	where, args := f.where(nil)
	args = append(args, limit)
	rows, _ := s.db.Query(ctx, `SELECT id FROM stripe_events WHERE `+where+
		fmt.Sprintf(` ORDER BY received_at, id LIMIT $%d`, len(args)), args...)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, mapErr("event ids", err)
}
