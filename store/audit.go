package store

import (
	"context"
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
}

// AuditEntries lists the audit log newest first, starting below an ID (0 for
// the first page).
func (s *Store) AuditEntries(ctx context.Context, beforeID int64, limit int) ([]AuditEntry, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT id, at, actor, action, subject, detail::text AS detail FROM audit_log
		WHERE $1 = 0 OR id < $1
		ORDER BY id DESC LIMIT $2`, beforeID, limit)
	es, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEntry])
	return es, mapErr("audit entries", err)
}
