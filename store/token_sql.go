package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const tokenColumns = `id, name, scopes, created_at, last_used_at, revoked_at`

// CreateAPIToken stores a token hash under a name with its scopes.
func (s *Store) CreateAPIToken(ctx context.Context, name string, hash []byte, scopes []string) (int64, error) {
	for _, sc := range scopes {
		if !ValidScope(sc) {
			return 0, fmt.Errorf("create api token: unknown scope %q", sc)
		}
	}
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO api_tokens (name, token_hash, scopes) VALUES ($1, $2, $3) RETURNING id`,
		name, hash, scopes).Scan(&id)
	return id, mapErr("create api token", err)
}

// APITokenByHash returns the live token with this hash and marks it used.
// last_used_at is kept to the minute, so a busy token is not a row write on
// every request.
func (s *Store) APITokenByHash(ctx context.Context, hash []byte) (APIToken, error) {
	rows, _ := s.db.Query(ctx, `
		WITH t AS (SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL),
		touched AS (
			UPDATE api_tokens SET last_used_at = now() FROM t
			WHERE api_tokens.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute'))
		SELECT `+tokenColumns+` FROM t`, hash)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[APIToken])
	return t, mapErr("api token", err)
}

// APITokens lists every token, live ones first, newest first.
func (s *Store) APITokens(ctx context.Context) ([]APIToken, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens
		ORDER BY revoked_at IS NOT NULL, id DESC LIMIT 1000`)
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByName[APIToken])
	return ts, mapErr("api tokens", err)
}

// APITokensByName returns the live tokens with a name.
func (s *Store) APITokensByName(ctx context.Context, name string) ([]APIToken, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens
		WHERE name = $1 AND revoked_at IS NULL ORDER BY id`, name)
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByName[APIToken])
	return ts, mapErr("api tokens by name", err)
}

// RevokeAPIToken revokes a token (again is harmless) and returns it.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64) (APIToken, error) {
	rows, _ := s.db.Query(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
		WHERE id = $1 RETURNING `+tokenColumns, id)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[APIToken])
	return t, mapErr("revoke api token", err)
}
