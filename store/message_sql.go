package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const messageColumns = `id, key, kind, account_id, order_id, to_addr, subject, text_body, html_body, detail,
	status, attempts, last_error, created_at, sent_at, resends, ticket_id, in_reply_to, thread_refs`

// QueueMessage records a message for a business event unless one with the same
// key exists. It returns the message's ID and whether it is new; only a new
// message gets a send job.
func (s *Store) QueueMessage(ctx context.Context, in NewMessage) (int64, bool, error) {
	detail := in.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return 0, false, mapErr("message detail", err)
	}
	var id int64
	err = s.db.QueryRow(ctx, `
		INSERT INTO messages (key, kind, account_id, order_id, to_addr, detail) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (key) DO NOTHING RETURNING id`, in.Key, in.Kind, in.AccountID, in.OrderID, in.To, b).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.db.QueryRow(ctx, `SELECT id FROM messages WHERE key = $1`, in.Key).Scan(&id)
		return id, false, mapErr("existing message", err)
	}
	return id, err == nil, mapErr("queue message", err)
}

// MessageByID returns one message.
func (s *Store) MessageByID(ctx context.Context, id int64) (Message, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1`, id)
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Message])
	return m, mapErr("message by id", err)
}

// MessageSending claims a queued or degraded message for one send attempt and
// records it before any byte goes to the SMTP server (commit it first). It
// reports false when the message is in any other state: already sent, kept,
// failed, unknown, or claimed by an attempt that never recorded its outcome.
func (s *Store) MessageSending(ctx context.Context, id int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE messages SET status = 'sending', attempts = attempts + 1
		WHERE id = $1 AND status IN ('queued', 'degraded')`, id)
	if err != nil {
		return false, mapErr("message sending", err)
	}
	return tag.RowsAffected() == 1, nil
}

// MessageUnknown marks a message whose send attempt never recorded its
// outcome: it may have reached the customer, so it is not sent again
// automatically. It reports whether the message was sending.
func (s *Store) MessageUnknown(ctx context.Context, id int64, why string) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE messages SET status = 'unknown', last_error = $2
		WHERE id = $1 AND status = 'sending'`, id, truncate(Redact(why), 1000))
	if err != nil {
		return false, mapErr("message unknown", err)
	}
	return tag.RowsAffected() == 1, nil
}

// MessageDelivered records a message as sent (or kept in the outbox) with the
// text that went out. A message kept in the outbox counts its one attempt here.
func (s *Store) MessageDelivered(ctx context.Context, id int64, status string, r RenderedMessage) error {
	_, err := s.db.Exec(ctx, `
		UPDATE messages SET status = $2, subject = $3, text_body = $4, html_body = $5,
			attempts = attempts + CASE WHEN status = 'sending' THEN 0 ELSE 1 END,
			last_error = '', sent_at = now()
		WHERE id = $1`, id, status, r.Subject, r.TextBody, r.HTMLBody)
	return mapErr("message delivered", err)
}

// MessageFailed records a send the SMTP server refused: degraded while it is
// retried, failed after the last attempt. msg must be free of secrets (it is
// redacted again).
func (s *Store) MessageFailed(ctx context.Context, id int64, msg string, final bool) error {
	status := MsgDegraded
	if final {
		status = MsgFailed
	}
	_, err := s.db.Exec(ctx, `UPDATE messages SET status = $2,
			attempts = attempts + CASE WHEN status = 'sending' THEN 0 ELSE 1 END, last_error = $3
		WHERE id = $1 AND status NOT IN ('sent', 'outbox')`, id, status, truncate(Redact(msg), 1000))
	return mapErr("message failed", err)
}

// ResendMessage puts a failed or unknown message back in the queue at an
// admin's request and returns its resend number (a new send job's key). It
// returns ErrConflict for a message in any other state.
func (s *Store) ResendMessage(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `UPDATE messages SET status = 'queued', resends = resends + 1, last_error = ''
		WHERE id = $1 AND status IN ('failed', 'unknown') RETURNING resends`, id).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := s.MessageByID(ctx, id); err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("resend message %d: only a failed or unknown message can be resent: %w", id, ErrConflict)
	}
	return n, mapErr("resend message", err)
}

// Outbox lists messages kept because no SMTP server is configured, newest first.
func (s *Store) Outbox(ctx context.Context, limit int) ([]Message, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE status = 'outbox' ORDER BY id DESC LIMIT $1`, limit)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[Message])
	return ms, mapErr("outbox", err)
}

// MessagesByAccount lists an account's messages, newest first.
func (s *Store) MessagesByAccount(ctx context.Context, accountID int64, limit int) ([]Message, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE account_id = $1 ORDER BY id DESC LIMIT $2`,
		accountID, limit)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[Message])
	return ms, mapErr("messages by account", err)
}

// AccountCommunication says whether mail to an account is getting through:
// degraded while any of its messages is failing or has failed.
func (s *Store) AccountCommunication(ctx context.Context, accountID int64) (string, error) {
	var bad bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE account_id = $1 AND status IN ('degraded', 'failed', 'unknown'))`,
		accountID).Scan(&bad)
	if err != nil {
		return "", mapErr("account communication", err)
	}
	if bad {
		return CommsDegraded, nil
	}
	return CommsOK, nil
}

// Messages lists messages, newest first.
func (s *Store) Messages(ctx context.Context, f MessageFilter) ([]Message, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var c conds
	if f.Status != "" {
		c.add("status = ?", f.Status)
	}
	if f.BeforeID > 0 {
		c.add("id < ?", f.BeforeID)
	}
	rows, _ := s.db.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+c.where()+`
		ORDER BY id DESC LIMIT `+c.limit(f.Limit), c.args...)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[Message])
	return ms, mapErr("messages", err)
}

// FailingMessages lists an account's messages that are degraded or failed,
// newest first: what support must know before promising an email.
func (s *Store) FailingMessages(ctx context.Context, accountID int64, limit int) ([]Message, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE account_id = $1 AND status IN ('degraded', 'failed', 'unknown') ORDER BY id DESC LIMIT $2`, accountID, limit)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[Message])
	return ms, mapErr("failing messages", err)
}
