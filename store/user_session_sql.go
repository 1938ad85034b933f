package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// UserSession is one signed-in console session of a user.
type UserSession struct {
	ID         int64     `db:"id"`
	UserID     int64     `db:"user_id"`
	SID        string    `db:"sid"`
	AuthAt     time.Time `db:"auth_at"`
	CreatedAt  time.Time `db:"created_at"`
	LastSeenAt time.Time `db:"last_seen_at"`
	Address    string    `db:"address"`
	UserAgent  string    `db:"user_agent"`
}

const userSessionColumns = `s.id, s.user_id, s.sid, s.auth_at, s.created_at, s.last_seen_at, s.address, s.user_agent`

// sessionSeenEvery is how often a session's last-seen time and address are
// written: not on every request.
const sessionSeenEvery = time.Minute

// cleanAgent is a user agent as a session row keeps it: valid UTF-8 without
// NULs, at most 256 bytes (a client chooses it freely).
func cleanAgent(ua string) string {
	ua = strings.ToValidUTF8(strings.ReplaceAll(ua, "\x00", ""), "\uFFFD")
	if len(ua) > userAgentMax {
		ua = strings.ToValidUTF8(ua[:userAgentMax], "")
	}
	return ua
}

// CreateUserSession records a session a user just signed in with, and drops
// the user's rows of sessions that have expired (older than lifetime, or not
// seen for idle, with the minute a last-seen time may lag behind).
func (s *Store) CreateUserSession(ctx context.Context, userID int64, sid string, authAt time.Time, address, ua string, idle, lifetime time.Duration) error {
	_, err := s.db.Exec(ctx, `
		WITH expired AS (DELETE FROM user_sessions WHERE user_id = $1
			AND (created_at < now() - $6 * interval '1 second' OR last_seen_at < now() - $7 * interval '1 second'))
		INSERT INTO user_sessions (user_id, sid, auth_at, address, user_agent) VALUES ($1, $2, $3, $4, $5)`,
		userID, sid, authAt, address, cleanAgent(ua), lifetime.Seconds(), (idle + sessionSeenEvery).Seconds())
	return mapErr("create user session", err)
}

// TouchUserSession reports whether the session sid of the user is still
// recorded (not signed out from elsewhere) and, at most once a minute,
// records that it was seen now from address with ua.
func (s *Store) TouchUserSession(ctx context.Context, userID int64, sid, address, ua string) (bool, error) {
	var live bool
	err := s.db.QueryRow(ctx, `
		WITH seen AS (UPDATE user_sessions SET last_seen_at = now(), address = $3, user_agent = $4
			WHERE sid = $1 AND user_id = $2 AND last_seen_at < now() - $5 * interval '1 second')
		SELECT EXISTS (SELECT 1 FROM user_sessions WHERE sid = $1 AND user_id = $2)`,
		sid, userID, address, cleanAgent(ua), sessionSeenEvery.Seconds()).Scan(&live)
	return live, mapErr("touch user session", err)
}

// UserSessions lists a user's live sessions, the most recently seen first:
// not expired (idle, lifetime) and not ended by a password change or reset.
func (s *Store) UserSessions(ctx context.Context, userID int64, idle, lifetime time.Duration) ([]UserSession, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+userSessionColumns+` FROM user_sessions s JOIN users u ON u.id = s.user_id
		WHERE s.user_id = $1 AND s.created_at > now() - $2 * interval '1 second'
			AND s.last_seen_at > now() - $3 * interval '1 second'
			AND (u.sessions_valid_after IS NULL OR s.auth_at >= u.sessions_valid_after)
		ORDER BY s.last_seen_at DESC, s.id DESC LIMIT 100`, userID, lifetime.Seconds(), idle.Seconds()+sessionSeenEvery.Seconds())
	ss, err := pgx.CollectRows(rows, pgx.RowToStructByName[UserSession])
	return ss, mapErr("user sessions", err)
}

// EndUserSession signs out one of a user's sessions (by its row ID), audited;
// a session that is not the user's is ErrNotFound.
func (s *Store) EndUserSession(ctx context.Context, userID, id int64, actor string) (UserSession, error) {
	var out UserSession
	err := s.InTx(ctx, func(tx *Store) error {
		rows, _ := tx.db.Query(ctx, `DELETE FROM user_sessions s WHERE id = $1 AND user_id = $2 RETURNING `+userSessionColumns, id, userID)
		var err error
		if out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[UserSession]); err != nil {
			return mapErr("end user session", err)
		}
		return tx.Audit(ctx, actor, "user.session_end", fmt.Sprintf("user:%d", userID), map[string]any{
			"session_id": id, "session_address": out.Address})
	})
	return out, err
}

// EndOtherUserSessions signs out every session of a user but keepSID,
// audited, and returns how many it ended.
func (s *Store) EndOtherUserSessions(ctx context.Context, userID int64, keepSID, actor string) (int64, error) {
	var n int64
	err := s.InTx(ctx, func(tx *Store) error {
		tag, err := tx.db.Exec(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND sid <> $2`, userID, keepSID)
		if err != nil {
			return mapErr("end other user sessions", err)
		}
		n = tag.RowsAffected()
		return tx.Audit(ctx, actor, "user.sessions_end_others", fmt.Sprintf("user:%d", userID), map[string]any{"ended": n})
	})
	return n, err
}

// DeleteUserSession forgets a session that signed out (no audit: the sign
// out is audited as such).
func (s *Store) DeleteUserSession(ctx context.Context, sid string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM user_sessions WHERE sid = $1`, sid)
	return mapErr("delete user session", err)
}

// ChangePassword sets a user's own new password hash from the session
// keepSID: every other session ends (sessions_valid_after, and their rows),
// this one stays signed in. Audited; returns the user, whose
// SessionsValidAfter the caller gives its session as its new sign-in time.
func (s *Store) ChangePassword(ctx context.Context, userID int64, passwordHash, keepSID string) (User, error) {
	var u User
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		if u, err = tx.SetUserPassword(ctx, userID, passwordHash); err != nil {
			return err
		}
		if _, err := tx.db.Exec(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND sid <> $2`, userID, keepSID); err != nil {
			return mapErr("end other sessions after a password change", err)
		}
		if _, err := tx.db.Exec(ctx, `UPDATE user_sessions SET auth_at = $2 WHERE sid = $1`, keepSID, u.SessionsValidAfter); err != nil {
			return mapErr("keep the session of a password change", err)
		}
		return tx.Audit(ctx, u.Email, "user.password_change", fmt.Sprintf("user:%d", u.ID), nil)
	})
	return u, err
}
