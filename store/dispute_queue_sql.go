package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

const queueDisputeSelect = `SELECT d.id, d.stripe_dispute_id, d.order_id, d.account_id, d.stripe_charge_id,
	d.stripe_payment_intent_id, d.status, d.stage, d.queue_state, d.amount, d.currency, d.reason, d.evidence_due_by,
	d.assigned_user_id, d.created_at, d.updated_at,
	coalesce(a.name, '') AS customer_name, a.email AS customer_email, o.reference AS order_reference,
	o.seller_account_id, sa.name AS seller_name, u.email AS assignee_email,
	(SELECT min(t.id) FROM tickets t WHERE t.dispute_id = d.id) AS ticket_id
	FROM disputes d
	LEFT JOIN accounts a ON a.id = d.account_id
	LEFT JOIN orders o ON o.id = d.order_id
	LEFT JOIN accounts sa ON sa.id = o.seller_account_id
	LEFT JOIN users u ON u.id = d.assigned_user_id`

// DisputeQueue lists the dispute queue: open disputes by nearest evidence
// deadline (those without one last), or closed ones newest first; after is
// the previous page's last position (nil for the first page).
func (s *Store) DisputeQueue(ctx context.Context, queue string, after *DisputeCursor, limit int) ([]QueueDispute, error) {
	var q string
	args := []any{limit}
	switch {
	case queue == QueueClosed:
		var before int64
		if after != nil {
			before = after.ID
		}
		q = ` WHERE d.queue_state = 'closed' AND ($2 = 0 OR d.id < $2) ORDER BY d.id DESC LIMIT $1`
		args = append(args, before)
	case after == nil:
		q = ` WHERE d.queue_state = 'open' ORDER BY d.evidence_due_by NULLS LAST, d.id LIMIT $1`
	case after.DueBy == nil:
		q = ` WHERE d.queue_state = 'open' AND d.evidence_due_by IS NULL AND d.id > $2
			ORDER BY d.evidence_due_by NULLS LAST, d.id LIMIT $1`
		args = append(args, after.ID)
	default:
		q = ` WHERE d.queue_state = 'open' AND (d.evidence_due_by > $2 OR (d.evidence_due_by = $2 AND d.id > $3)
			OR d.evidence_due_by IS NULL) ORDER BY d.evidence_due_by NULLS LAST, d.id LIMIT $1`
		args = append(args, *after.DueBy, after.ID)
	}
	rows, _ := s.db.Query(ctx, queueDisputeSelect+q, args...)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[QueueDispute])
	return ds, mapErr("dispute queue", err)
}

// QueueDisputeByID returns one dispute as the queue shows it.
func (s *Store) QueueDisputeByID(ctx context.Context, id int64) (QueueDispute, error) {
	rows, _ := s.db.Query(ctx, queueDisputeSelect+` WHERE d.id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[QueueDispute])
	return d, mapErr("queue dispute", err)
}

// DisputeDetailByID returns a dispute with its trail and its ticket's notes.
func (s *Store) DisputeDetailByID(ctx context.Context, id int64) (DisputeDetail, error) {
	d, err := s.QueueDisputeByID(ctx, id)
	if err != nil {
		return DisputeDetail{}, err
	}
	out := DisputeDetail{Dispute: d}
	rows, _ := s.db.Query(ctx, `SELECT id, at, actor, action, coalesce(detail->>'note', detail->>'summary', '') AS text
		FROM audit_log WHERE subject = $1 ORDER BY id LIMIT 500`, disputeSubject(id))
	if out.Trail, err = pgx.CollectRows(rows, pgx.RowToStructByName[DisputeTrailEntry]); err != nil {
		return out, mapErr("dispute trail", err)
	}
	if d.TicketID != nil {
		rows, _ := s.db.Query(ctx, `SELECT `+noteColumns+` FROM ticket_notes
			WHERE ticket_id = $1 ORDER BY id LIMIT 500`, *d.TicketID)
		if out.TicketNotes, err = pgx.CollectRows(rows, pgx.RowToStructByName[TicketNote]); err != nil {
			return out, mapErr("dispute ticket notes", err)
		}
	}
	return out, nil
}

func disputeSubject(id int64) string { return fmt.Sprintf("dispute:%d", id) }

// Assignees lists the users a dispute may be assigned to: active admins and
// support staff.
func (s *Store) Assignees(ctx context.Context) ([]Assignee, error) {
	rows, _ := s.db.Query(ctx, `SELECT id, email, role FROM users
		WHERE role IN ('admin', 'support') AND disabled_at IS NULL ORDER BY lower(email), id LIMIT 500`)
	as, err := pgx.CollectRows(rows, pgx.RowToStructByName[Assignee])
	return as, mapErr("assignees", err)
}

// AssignDispute gives a dispute to an active admin or support user (nil
// leaves it unassigned), audit-logged. Assigning it to whom it already has
// changes nothing.
func (s *Store) AssignDispute(ctx context.Context, id int64, userID *int64, actor string) error {
	return s.InTx(ctx, func(tx *Store) error {
		var from *int64
		if err := tx.db.QueryRow(ctx, `SELECT assigned_user_id FROM disputes WHERE id = $1 FOR UPDATE`, id).Scan(&from); err != nil {
			return mapErr("lock dispute", err)
		}
		if (from == nil && userID == nil) || (from != nil && userID != nil && *from == *userID) {
			return nil
		}
		summary := "unassigned"
		if userID != nil {
			var email string
			err := tx.db.QueryRow(ctx, `SELECT email FROM users WHERE id = $1 AND role IN ('admin', 'support')
				AND disabled_at IS NULL`, *userID).Scan(&email)
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("assign dispute %d to user %d: %w", id, *userID, ErrNotAssignable)
			} else if err != nil {
				return mapErr("assignee", err)
			}
			summary = "assigned to " + email
		}
		if _, err := tx.db.Exec(ctx, `UPDATE disputes SET assigned_user_id = $2, updated_at = now() WHERE id = $1`,
			id, userID); err != nil {
			return mapErr("assign dispute", err)
		}
		return tx.Audit(ctx, actor, "dispute.assign", disputeSubject(id),
			map[string]any{"summary": summary, "from_user_id": from, "to_user_id": userID})
	})
}

// AddDisputeNote records a note (secrets redacted) in the dispute's audit
// trail and, when the dispute opened a ticket, on that ticket too.
func (s *Store) AddDisputeNote(ctx context.Context, id int64, author, body string) error {
	body = Redact(strings.TrimSpace(body))
	return s.InTx(ctx, func(tx *Store) error {
		var ticket *int64
		err := tx.db.QueryRow(ctx, `SELECT (SELECT min(t.id) FROM tickets t WHERE t.dispute_id = d.id)
			FROM disputes d WHERE d.id = $1 FOR SHARE OF d`, id).Scan(&ticket)
		if err != nil {
			return mapErr("dispute for note", err)
		}
		if err := tx.Audit(ctx, author, "dispute.note", disputeSubject(id),
			map[string]any{"note": body, "ticket_id": ticket}); err != nil {
			return err
		}
		if ticket == nil {
			return nil
		}
		_, err = tx.AddTicketNote(ctx, *ticket, author, fmt.Sprintf("Note on dispute %d: %s", id, body))
		return err
	})
}

// CloseDispute takes a dispute out of the queue (queue_state closed; its
// status stays Stripe's), audit-logged and noted on its ticket, and
// recomputes the customer's payment state, which an open dispute decides.
// Call it inside InTx to enqueue the CRM sync a changed state needs.
func (s *Store) CloseDispute(ctx context.Context, id int64, actor string) (DisputeClose, error) {
	var out DisputeClose
	err := s.InTx(ctx, func(tx *Store) error {
		var queue, status string
		var ticket *int64
		err := tx.db.QueryRow(ctx, `SELECT d.queue_state, d.status, d.account_id,
				(SELECT min(t.id) FROM tickets t WHERE t.dispute_id = d.id)
			FROM disputes d WHERE d.id = $1 FOR UPDATE OF d`, id).Scan(&queue, &status, &out.AccountID, &ticket)
		if err != nil {
			return mapErr("lock dispute", err)
		}
		if queue == QueueClosed {
			out.AlreadyClosed = true
			return nil
		}
		if _, err := tx.db.Exec(ctx, `UPDATE disputes SET queue_state = 'closed', updated_at = now() WHERE id = $1`, id); err != nil {
			return mapErr("close dispute", err)
		}
		summary := "closed from the queue (Stripe status " + status + ")"
		if err := tx.Audit(ctx, actor, "dispute.close", disputeSubject(id),
			map[string]any{"summary": summary, "status": status}); err != nil {
			return err
		}
		if ticket != nil {
			if _, err := tx.AddTicketNote(ctx, *ticket, actor, fmt.Sprintf("Dispute %d %s.", id, summary)); err != nil {
				return err
			}
		}
		if out.AccountID != nil {
			from, to, err := tx.RefreshPaymentState(ctx, *out.AccountID)
			if err != nil {
				return err
			}
			out.PaymentChanged = from != to
		}
		return nil
	})
	return out, err
}
