// Package migrations holds Switchboard's SQL schema, embedded in the binary, and
// applies it together with River's own tables.
package migrations

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// Up applies every pending migration: River's tables first, then ours.
func Up(ctx context.Context, pool *pgxpool.Pool) error {
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	p, closeDB, err := provider(pool)
	if err != nil {
		return err
	}
	defer closeDB()
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("switchboard migrations: %w", err)
	}
	return nil
}

// Pending reports whether any migration (ours or River's) has not been applied.
func Pending(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	p, closeDB, err := provider(pool)
	if err != nil {
		return false, err
	}
	defer closeDB()
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("migration status: %w", err)
	}
	if pending {
		return true, nil
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return false, fmt.Errorf("river migrator: %w", err)
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("river migration status: %w", err)
	}
	return !res.OK, nil
}

// ErrPending says the database is behind this build's migrations.
var ErrPending = errors.New("the database has pending migrations: run 'switchboard migrate' first")

// Current returns ErrPending when any migration is pending, and nil when the
// schema is current (the check serve makes at start and /readyz on every call).
func Current(ctx context.Context, pool *pgxpool.Pool) error {
	pending, err := Pending(ctx, pool)
	if err == nil && pending {
		err = ErrPending
	}
	return err
}

// Hash identifies the embedded schema; test templates are keyed by it.
func Hash() string {
	h := sha256.New()
	names, _ := fs.Glob(files, "*.sql")
	sort.Strings(names)
	for _, n := range names {
		b, _ := files.ReadFile(n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func provider(pool *pgxpool.Pool) (*goose.Provider, func(), error) {
	db := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, files)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("goose provider: %w", err)
	}
	return p, func() { db.Close() }, nil
}
