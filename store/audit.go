package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one line of the audit log: who did what to which subject.
type AuditEntry struct {
	ID      int64     `db:"id" json:"id"`
	At      time.Time `db:"at" json:"at"`
	Actor   string    `db:"actor" json:"actor"`
	Action  string    `db:"action" json:"action"`
	Subject string    `db:"subject" json:"subject"`
	Detail  string    `db:"detail" json:"detail"`
	// Address, UserAgent and RequestID are the request that made the change
	// (empty for commands and workers).
	Address   string `db:"address" json:"address"`
	UserAgent string `db:"user_agent" json:"user_agent"`
	RequestID string `db:"request_id" json:"request_id"`
}

// auditColumns are the audit log's columns, in AuditEntry's names.
const auditColumns = `id, at, actor, action, subject, detail::text AS detail, address, user_agent, request_id`

// AuditOrigin is where a change comes from: the client of the request that
// made it. Audit reads it from the context, so every entry a request writes
// carries it without each caller passing it.
type AuditOrigin struct {
	Address   string
	UserAgent string
	RequestID string
}

type auditOriginKey struct{}

// userAgentMax is the most of a user agent an audit entry keeps.
const userAgentMax = 256

// WithAuditOrigin returns a context whose audit entries carry o. The user
// agent is cut to 256 bytes and made valid UTF-8 without NULs, as Postgres
// stores text (a client chooses it freely).
func WithAuditOrigin(ctx context.Context, o AuditOrigin) context.Context {
	ua := strings.ToValidUTF8(strings.ReplaceAll(o.UserAgent, "\x00", ""), "\uFFFD")
	if len(ua) > userAgentMax {
		ua = strings.ToValidUTF8(ua[:userAgentMax], "")
	}
	o.UserAgent = ua
	return context.WithValue(ctx, auditOriginKey{}, o)
}

func auditOrigin(ctx context.Context) AuditOrigin {
	o, _ := ctx.Value(auditOriginKey{}).(AuditOrigin)
	return o
}

// AuditFilter narrows the audit log: an actor (any case), an action (exact,
// or every action under a prefix ending in a dot, as "user."), a subject
// ("user:12", "order:9"); empty fields filter nothing. BeforeID pages.
type AuditFilter struct {
	Actor, Action, Subject string
	BeforeID               int64
}

// AuditEntries lists the audit log newest first, filtered, starting below
// f.BeforeID (0 for the first page).
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter, limit int) ([]AuditEntry, error) {
	var c conds
	if f.Actor != "" {
		c.add("lower(actor) = lower(?)", f.Actor)
	}
	switch {
	case strings.HasSuffix(f.Action, "."):
		c.add("action LIKE ?", strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Action)+"%")
	case f.Action != "":
		c.add("action = ?", f.Action)
	}
	if f.Subject != "" {
		c.add("subject = ?", f.Subject)
	}
	if f.BeforeID > 0 {
		c.add("id < ?", f.BeforeID)
	}
	rows, _ := s.db.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+c.where()+`
		ORDER BY id DESC LIMIT `+c.limit(limit), c.args...)
	es, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEntry])
	return es, mapErr("audit entries", err)
}

// AuditAppendOnly reports whether the audit log refuses updates, deletes and
// truncation (migration 00045's triggers are present and enabled), and
// whether this connection's role owns the table (then it could drop them:
// the application's role should not own it).
func (s *Store) AuditAppendOnly(ctx context.Context) (guarded, owner bool, err error) {
	err = s.db.QueryRow(ctx, `
		SELECT (SELECT count(*) = 2 FROM pg_trigger WHERE tgrelid = c.oid AND NOT tgisinternal AND tgenabled <> 'D'
				AND tgname IN ('audit_log_append_only', 'audit_log_no_truncate')),
			pg_has_role(current_user, c.relowner, 'MEMBER')
		FROM pg_class c WHERE c.oid = 'audit_log'::regclass`).Scan(&guarded, &owner)
	return guarded, owner, mapErr("audit log guard", err)
}
