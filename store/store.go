// Package store is Switchboard's Postgres access and its domain: the types, the
// pure rules in our own vocabulary (state transitions, the account payment state,
// ticket routing) and all SQL. It imports nothing else of ours and never logs.
package store

import (
	"context"
	"errors"
	"fmt"

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
}

// New returns a Store over pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, db: pool}
}

// Pool returns the underlying pool (for River and health checks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// InTx runs fn in one transaction: tx runs queries inside it, and pgxTx lets a
// River InsertTx join the same transaction. fn's error rolls everything back.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store, pgxTx pgx.Tx) error) error {
	if t, ok := s.db.(pgx.Tx); ok {
		return fn(s, t)
	}
	return pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		return fn(&Store{pool: s.pool, db: t}, t)
	})
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
