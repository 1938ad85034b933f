// Package store is Switchboard's Postgres access and its domain: the types, the
// pure rules in our own vocabulary (state transitions, the account payment state,
// ticket routing) and all SQL. It imports nothing else of ours and never logs.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a unique constraint.
var ErrConflict = errors.New("already exists")

// dbtx is what both a pool and a transaction offer.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store runs Switchboard's queries, on the pool or inside one transaction.
type Store struct {
	pool *pgxpool.Pool
	db   dbtx
	tx   pgx.Tx // set inside InTx
	// dry counts the placeholder IDs a dry run's transaction handed out
	// (nil outside one).
	dry *int64
}

// New returns a Store over pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, db: pool}
}

// Pool returns the underlying pool (for River and health checks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// InTx runs fn in one transaction: tx runs queries inside it, and tx.Tx() lets
// a River InsertTx join the same transaction. fn's error rolls everything back.
// Inside a transaction, InTx runs fn in it.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		return fn(&Store{pool: s.pool, db: t, tx: t})
	})
}

// DryRun returns the store for a dry run's transaction (call it inside
// InTx): an order it creates takes a placeholder ID (negative) instead of the
// sequence's next value, so a dry run, rolled back, consumes no order number.
func (s *Store) DryRun() *Store {
	c := *s
	c.dry = new(int64)
	return &c
}

// Tx is the transaction a Store from InTx runs in, for River's InsertTx and
// JobCompleteTx to join; nil outside a transaction.
func (s *Store) Tx() pgx.Tx { return s.tx }

// InTxRetry is InTx for idempotent work: when the connection breaks (Postgres
// restarted, the network dropped, a pooled connection went stale), it runs fn
// once more on a fresh connection. After a restart every pooled connection is
// dead, so the pool drops them all first (busy ones as they come back). fn
// must be safe to run twice, since a lost COMMIT may have committed.
func (s *Store) InTxRetry(ctx context.Context, fn func(tx *Store) error) error {
	return s.retryConnLost(ctx, func() error { return s.InTx(ctx, fn) })
}

// retryConnLost runs idempotent work once more, on a fresh pool, when its
// connection broke.
func (s *Store) retryConnLost(ctx context.Context, work func() error) error {
	err := work()
	if err != nil && ConnLost(err) && ctx.Err() == nil {
		s.pool.Reset()
		err = work()
	}
	return err
}

// ConnLost reports whether err says the connection to Postgres broke rather
// than that the statement was refused: the server shut down or restarted, or
// the connection was reset. A new connection may well succeed. A context that
// ended is not a lost connection.
func ConnLost(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case pgerrcode.AdminShutdown, pgerrcode.CrashShutdown, pgerrcode.CannotConnectNow:
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection exceptions
	}
	var netErr net.Error
	return pgconn.SafeToRetry(err) || errors.As(err, &netErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED)
}

// Permanent reports whether err is Postgres refusing the data itself (a check
// or not-null constraint, a value out of range or malformed): retrying the same
// write cannot succeed.
func Permanent(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case pgerrcode.CheckViolation, pgerrcode.NotNullViolation:
		return true
	}
	return strings.HasPrefix(pgErr.Code, "22") // data exceptions
}

// errRollback ends CanWrite's transaction.
var errRollback = errors.New("rollback")

// CanWrite checks that the database takes writes now: a transaction takes the
// lock an event insert needs and a transaction ID (which a read-only server
// refuses), then rolls back, leaving nothing behind.
func (s *Store) CanWrite(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE stripe_events IN ROW EXCLUSIVE MODE; SELECT pg_current_xact_id()`); err != nil {
			return err
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return mapErr("write check", err)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.pool.Ping(ctx)
}

// mapErr turns driver errors into the store's sentinels.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UniqueViolation {
		return fmt.Errorf("%s: %w (%s)", op, ErrConflict, pgErr.ConstraintName)
	}
	return fmt.Errorf("%s: %w", op, err)
}
