package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

const noteColumns = `id, ticket_id, author, body, created_at, kind`

const ticketColumns = `id, account_id, dispute_id, requester_email, channel, source_key, subject, body, queue, priority,
	status, tags, role, plan_tier, payment_state, last_action, created_at, updated_at,
	waiting_on, assignee, email_message_id, email_refs`

// CreateTicket opens a ticket: secrets redacted from subject and body, matched
// to the canonical account by email (or the given account), enriched, tagged
// and routed, with an audit entry. A ticket with a source key that is already
// stored is returned as it is (created false).
func (s *Store) CreateTicket(ctx context.Context, in NewTicket, actor string) (t Ticket, created bool, err error) {
	err = s.InTx(ctx, func(tx *Store) error {
		if in.SourceKey != "" {
			if err := tx.LockKey(ctx, "ticket:"+in.SourceKey); err != nil {
				return err
			}
			t, err = tx.oneTicket(ctx, "ticket by source", `source_key = $1`, in.SourceKey)
			if err == nil || !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		var acct *Account
		switch {
		case in.AccountID != nil:
			a, err := tx.AccountByID(ctx, *in.AccountID)
			if err != nil {
				return err
			}
			acct = &a
		case in.Email != "":
			a, err := tx.AccountByEmail(ctx, in.Email)
			if err == nil {
				acct = &a
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		subject, body := Redact(strings.TrimSpace(in.Subject)), Redact(in.Body)
		f := TicketFacts{AboutDispute: MentionsDispute(subject + "\n" + body), FromDispute: in.DisputeID != nil}
		var accountID *int64
		lastAction := ""
		email := in.Email
		if acct != nil {
			accountID = &acct.ID
			if err := tx.accountTicketFacts(ctx, acct, &f); err != nil {
				return err
			}
			if lastAction, err = tx.LastAction(ctx, acct.ID); err != nil {
				return err
			}
			if email == "" && acct.Email != nil {
				email = *acct.Email
			}
		}
		queue, priority := RouteTicket(f)
		var key *string
		if in.SourceKey != "" {
			key = &in.SourceKey
		}
		rows, _ := tx.db.Query(ctx, `
			INSERT INTO tickets (account_id, dispute_id, requester_email, channel, source_key, subject, body, queue,
				priority, tags, role, plan_tier, payment_state, last_action, email_message_id, email_refs)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			RETURNING `+ticketColumns,
			accountID, in.DisputeID, email, in.Channel, key, subject, body, queue, priority, TicketTags(f),
			f.Role, f.PlanTier, f.PaymentState, lastAction, in.EmailMessageID, in.EmailRefs)
		if t, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Ticket]); err != nil {
			return mapErr("insert ticket", err)
		}
		created = true
		return tx.Audit(ctx, actor, "ticket.open", fmt.Sprintf("ticket:%d", t.ID), map[string]any{
			"channel": t.Channel, "queue": t.Queue, "priority": t.Priority, "account_id": t.AccountID, "tags": t.Tags,
		})
	})
	return t, created, err
}

// accountTicketFacts fills routing facts from the account's payments and disputes.
func (s *Store) accountTicketFacts(ctx context.Context, a *Account, f *TicketFacts) error {
	f.HasAccount, f.Role, f.PlanTier, f.PaymentState = true, a.Role, a.PlanTier, a.PaymentState
	err := s.db.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM orders WHERE buyer_account_id = $1 AND status = 'failed'
				AND updated_at > now() - interval '30 days')
			+ (SELECT count(*) FROM invoices WHERE account_id = $1 AND status = 'payment_failed'),
			(SELECT count(*) FROM disputes d JOIN orders o ON o.id = d.order_id
				WHERE o.seller_account_id = $1 AND d.queue_state = 'open')`, a.ID).
		Scan(&f.FailedPayments, &f.OpenDisputes)
	return mapErr("ticket facts", err)
}

// LastAction describes the most recent thing that happened to an account: an
// order, dispute, subscription or invoice change, else its signup.
func (s *Store) LastAction(ctx context.Context, accountID int64) (string, error) {
	var what string
	err := s.db.QueryRow(ctx, `
		SELECT what FROM (
			SELECT updated_at AS at, 'order ' || CASE WHEN reference <> '' THEN reference ELSE '#' || id END || ' ' || status
				|| ' (' || amount || ' ' || currency || ')' AS what
			FROM orders WHERE buyer_account_id = $1 OR seller_account_id = $1
			UNION ALL
			SELECT d.updated_at, 'dispute ' || d.stripe_dispute_id || ' ' || d.status FROM disputes d
				LEFT JOIN orders o ON o.id = d.order_id WHERE d.account_id = $1 OR o.seller_account_id = $1
			UNION ALL
			SELECT updated_at, 'subscription ' || status || CASE WHEN plan_tier <> '' THEN ' (' || plan_tier || ')' ELSE '' END
				FROM subscriptions WHERE account_id = $1
			UNION ALL
			SELECT updated_at, 'invoice ' || stripe_invoice_id || ' ' || replace(status, '_', ' ') FROM invoices WHERE account_id = $1
			UNION ALL
			SELECT created_at, 'signed up' FROM accounts WHERE id = $1
		) x ORDER BY at DESC LIMIT 1`, accountID).Scan(&what)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return what, mapErr("last action", err)
}

func (s *Store) oneTicket(ctx context.Context, op, where string, args ...any) (Ticket, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE `+where, args...)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Ticket])
	return t, mapErr(op, err)
}

// TicketByID returns one ticket.
func (s *Store) TicketByID(ctx context.Context, id int64) (Ticket, error) {
	return s.oneTicket(ctx, "ticket by id", `id = $1`, id)
}

// TicketByDispute returns the ticket a dispute opened.
func (s *Store) TicketByDispute(ctx context.Context, disputeID int64) (Ticket, error) {
	return s.oneTicket(ctx, "ticket by dispute", `dispute_id = $1 ORDER BY id LIMIT 1`, disputeID)
}

// TicketFilter selects tickets for a list; BeforeID pages (keyset, newest first).
type TicketFilter struct {
	Queue    string
	Status   string
	BeforeID int64
	Limit    int
}

// Tickets lists tickets, newest first.
func (s *Store) Tickets(ctx context.Context, f TicketFilter) ([]Ticket, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var c conds
	if f.Queue != "" {
		c.add("queue = ?", f.Queue)
	}
	if f.Status != "" {
		c.add("status = ?", f.Status)
	}
	if f.BeforeID > 0 {
		c.add("id < ?", f.BeforeID)
	}
	rows, _ := s.db.Query(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE `+c.where()+`
		ORDER BY id DESC LIMIT `+c.limit(f.Limit), c.args...)
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByName[Ticket])
	return ts, mapErr("tickets", err)
}

// TicketQueues counts open and all tickets per queue, every queue listed.
func (s *Store) TicketQueues(ctx context.Context) ([]QueueCount, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT q AS queue,
			count(t.id) FILTER (WHERE t.status IN ('open', 'pending')) AS open,
			count(t.id) AS total
		FROM unnest(ARRAY['billing', 'disputes', 'sellers', 'general']) WITH ORDINALITY AS qs(q, n)
		LEFT JOIN tickets t ON t.queue = qs.q
		GROUP BY q, n ORDER BY n`)
	qs, err := pgx.CollectRows(rows, pgx.RowToStructByName[QueueCount])
	return qs, mapErr("ticket queues", err)
}

// TicketDetailByID returns a ticket with its notes and audit trail.
func (s *Store) TicketDetailByID(ctx context.Context, id int64) (TicketDetail, error) {
	t, err := s.TicketByID(ctx, id)
	if err != nil {
		return TicketDetail{}, err
	}
	rows, _ := s.db.Query(ctx, `SELECT `+noteColumns+` FROM ticket_notes WHERE ticket_id = $1 ORDER BY id`, id)
	notes, err := pgx.CollectRows(rows, pgx.RowToStructByName[TicketNote])
	if err != nil {
		return TicketDetail{}, mapErr("ticket notes", err)
	}
	audit, err := s.AuditFor(ctx, fmt.Sprintf("ticket:%d", id), 200)
	if err != nil {
		return TicketDetail{}, err
	}
	return TicketDetail{Ticket: t, Notes: notes, Audit: audit}, nil
}

// AddTicketNote adds a note (secrets redacted) and audits it.
func (s *Store) AddTicketNote(ctx context.Context, id int64, author, body string) (TicketNote, error) {
	var n TicketNote
	err := s.InTx(ctx, func(tx *Store) error {
		tag, err := tx.db.Exec(ctx, `UPDATE tickets SET updated_at = now() WHERE id = $1`, id)
		if err != nil {
			return mapErr("touch ticket", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("add ticket note: ticket %d: %w", id, ErrNotFound)
		}
		rows, _ := tx.db.Query(ctx, `INSERT INTO ticket_notes (ticket_id, author, body) VALUES ($1, $2, $3)
			RETURNING `+noteColumns, id, author, Redact(body))
		if n, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[TicketNote]); err != nil {
			return mapErr("add ticket note", err)
		}
		return tx.Audit(ctx, author, "ticket.note", fmt.Sprintf("ticket:%d", id), map[string]any{"note_id": n.ID})
	})
	return n, err
}

// SetTicketStatus changes a ticket's status and audits the change.
func (s *Store) SetTicketStatus(ctx context.Context, id int64, status, actor string) error {
	if !ValidTicketStatus(status) {
		return fmt.Errorf("set ticket status: %q is not a ticket status", status)
	}
	return s.InTx(ctx, func(tx *Store) error {
		var from string
		err := tx.db.QueryRow(ctx, `SELECT status FROM tickets WHERE id = $1 FOR UPDATE`, id).Scan(&from)
		if err != nil {
			return mapErr("lock ticket", err)
		}
		if from == status {
			return nil
		}
		// Whose turn it is follows the status, so the two never disagree.
		if _, err := tx.db.Exec(ctx, `UPDATE tickets SET status = $2, waiting_on = CASE WHEN $3 = '' THEN waiting_on ELSE $3 END,
			updated_at = now() WHERE id = $1`, id, status, TicketTurn(status)); err != nil {
			return mapErr("set ticket status", err)
		}
		return tx.Audit(ctx, actor, "ticket.status", fmt.Sprintf("ticket:%d", id), map[string]any{"from": from, "to": status})
	})
}

// AuditFor lists the audit entries of a subject, oldest first.
func (s *Store) AuditFor(ctx context.Context, subject string, limit int) ([]AuditEntry, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+auditColumns+` FROM audit_log
		WHERE subject = $1 ORDER BY id LIMIT $2`, subject, limit)
	es, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEntry])
	return es, mapErr("audit for", err)
}

// AccountContextByID gathers an account's support context; limit caps the
// failing messages and recent tickets.
func (s *Store) AccountContextByID(ctx context.Context, id int64, limit int) (AccountContext, error) {
	var c AccountContext
	var err error
	if c.Account, err = s.AccountByID(ctx, id); err != nil {
		return c, err
	}
	if c.Communication, err = s.AccountCommunication(ctx, id); err != nil {
		return c, err
	}
	if c.Failing, err = s.FailingMessages(ctx, id, limit); err != nil {
		return c, err
	}
	rows, _ := s.db.Query(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE account_id = $1 ORDER BY id DESC LIMIT $2`, id, limit)
	if c.Tickets, err = pgx.CollectRows(rows, pgx.RowToStructByName[Ticket]); err != nil {
		return c, mapErr("account tickets", err)
	}
	return c, nil
}
