package store

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
)

const userColumns = `id, email, password_hash, role, account_id, disabled_at, created_at, updated_at, sessions_valid_after`

// CreateUser adds a console user; an email already taken is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, email, passwordHash, role string, accountID *int64) (User, error) {
	rows, _ := s.db.Query(ctx, `INSERT INTO users (email, password_hash, role, account_id) VALUES ($1, $2, $3, $4)
		RETURNING `+userColumns, email, passwordHash, role, accountID)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	return u, mapErr("create user", err)
}

// UserByEmail returns a user by email, ignoring case.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower($1)`, email)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	return u, mapErr("user by email", err)
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	return u, mapErr("user by id", err)
}

// Audit appends one entry to the audit log, with the origin the context
// carries (WithAuditOrigin: the client's address, user agent and request ID).
// It is the one place audit rows are written.
func (s *Store) Audit(ctx context.Context, actor, action, subject string, detail any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return mapErr("audit detail", err)
	}
	o := auditOrigin(ctx)
	_, err = s.db.Exec(ctx, `INSERT INTO audit_log (actor, action, subject, detail, address, user_agent, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, actor, action, subject, b, o.Address, o.UserAgent, o.RequestID)
	return mapErr("audit", err)
}

// Users lists console users by email.
func (s *Store) Users(ctx context.Context, limit int) ([]User, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY lower(email), id LIMIT $1`, limit)
	us, err := pgx.CollectRows(rows, pgx.RowToStructByName[User])
	return us, mapErr("users", err)
}

// SetUserRole changes a user's role (and the seller account, required for
// sellers, cleared for the others).
func (s *Store) SetUserRole(ctx context.Context, id int64, role string, accountID *int64) (User, error) {
	if role != UserSeller {
		accountID = nil
	}
	rows, _ := s.db.Query(ctx, `UPDATE users SET role = $2, account_id = $3, updated_at = now() WHERE id = $1
		RETURNING `+userColumns, id, role, accountID)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	return u, mapErr("set user role", err)
}

// SetUserDisabled disables or re-enables a user.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) (User, error) {
	rows, _ := s.db.Query(ctx, `UPDATE users
		SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END, updated_at = now()
		WHERE id = $1 RETURNING `+userColumns, id, disabled)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	return u, mapErr("set user disabled", err)
}

// SetUserPassword replaces a user's password hash and ends every session the
// user signed in before now.
func (s *Store) SetUserPassword(ctx context.Context, id int64, passwordHash string) (User, error) {
	rows, _ := s.db.Query(ctx, `UPDATE users SET password_hash = $2, sessions_valid_after = now(), updated_at = now()
		WHERE id = $1 RETURNING `+userColumns, id, passwordHash)
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	return u, mapErr("set user password", err)
}
