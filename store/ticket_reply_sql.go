package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// replySecret names the server secret that signs reply Message-IDs.
const replySecret = "reply_message_id"

// serverSecret returns a named random secret kept in Postgres, made on first
// use; every instance gets the same one.
func (s *Store) serverSecret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("server secret %s: %w", name, err)
	}
	// Two statements: the SELECT's snapshot then sees a secret another
	// instance made at the same moment (the INSERT waited for it).
	if _, err := s.db.Exec(ctx, `INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, fresh); err != nil {
		return nil, mapErr("make server secret", err)
	}
	var v []byte
	err := s.db.QueryRow(ctx, `SELECT value FROM server_secrets WHERE name = $1`, name).Scan(&v)
	return v, mapErr("server secret", err)
}

// replyMAC is the MAC of reply noteID on ticket ticketID: 128 bits of
// HMAC-SHA256, in hex.
func replyMAC(secret []byte, ticketID, noteID int64) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "ticket_reply:%d:%d", ticketID, noteID)
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// replyKey is the message key of a reply (note noteID) to ticket ticketID,
// ticket_reply:T:N:MAC; the reply's Message-ID is made from it
// (ticket_reply.T.N.MAC@switchboard), and a customer's answer that names it
// finds the ticket again only when the MAC checks (CheckReplyMAC).
func (s *Store) replyKey(ctx context.Context, ticketID, noteID int64) (string, error) {
	secret, err := s.serverSecret(ctx, replySecret)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket_reply:%d:%d:%s", ticketID, noteID, replyMAC(secret, ticketID, noteID)), nil
}

// CheckReplyMAC reports whether mac is this server's MAC of reply noteID on
// ticket ticketID, in constant time.
func (s *Store) CheckReplyMAC(ctx context.Context, ticketID, noteID int64, mac string) (bool, error) {
	secret, err := s.serverSecret(ctx, replySecret)
	if err != nil {
		return false, err
	}
	return hmac.Equal([]byte(replyMAC(secret, ticketID, noteID)), []byte(mac)), nil
}

// QueueTicketReply records staff's reply to a ticket's customer: a note of
// kind reply, the message that sends it (threaded into the customer's
// conversation by the ticket's Message-ID and References), the ticket pending
// and waiting on the customer, and an audit entry. Call it inside InTx and
// enqueue the message's send job in the same transaction. A ticket without a
// customer email is ErrConflict.
func (s *Store) QueueTicketReply(ctx context.Context, ticketID int64, author, body string) (Message, error) {
	t, err := s.oneTicket(ctx, "lock ticket", `id = $1 FOR UPDATE`, ticketID)
	if err != nil {
		return Message{}, err
	}
	if t.RequesterEmail == "" {
		return Message{}, fmt.Errorf("reply to ticket %d: the ticket has no customer email: %w", ticketID, ErrConflict)
	}
	body = Redact(body)
	var noteID int64
	err = s.db.QueryRow(ctx, `INSERT INTO ticket_notes (ticket_id, author, body, kind) VALUES ($1, $2, $3, 'reply')
		RETURNING id`, t.ID, author, body).Scan(&noteID)
	if err != nil {
		return Message{}, mapErr("reply note", err)
	}
	key, err := s.replyKey(ctx, t.ID, noteID)
	if err != nil {
		return Message{}, err
	}
	subject := t.Subject
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	refs := strings.Join(strings.Fields(t.EmailRefs+" "+t.EmailMessageID), " ")
	rows, _ := s.db.Query(ctx, `
		INSERT INTO messages (key, kind, account_id, to_addr, subject, text_body, detail, ticket_id, in_reply_to, thread_refs)
		VALUES ($1, 'ticket_reply', $2, $3, $4, $5, jsonb_build_object('note_id', $6::bigint), $7, $8, $9)
		RETURNING `+messageColumns,
		key, t.AccountID, t.RequesterEmail, subject, body, noteID, t.ID, t.EmailMessageID, refs)
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Message])
	if err != nil {
		return Message{}, mapErr("reply message", err)
	}
	if _, err := s.db.Exec(ctx, `UPDATE tickets SET status = 'pending', waiting_on = 'customer', updated_at = now()
		WHERE id = $1`, t.ID); err != nil {
		return Message{}, mapErr("ticket after reply", err)
	}
	return m, s.Audit(ctx, author, "ticket.reply", fmt.Sprintf("ticket:%d", t.ID), map[string]any{
		"note_id": noteID, "message_id": m.ID, "to": t.RequesterEmail})
}

// CustomerAnswer is a customer's mail that answers a reply.
type CustomerAnswer struct {
	TicketID int64
	// NoteID is the reply (a note of kind reply on the ticket) it answers.
	NoteID int64
	From   string
	Body   string
	// SourceKey is the inbound message's own ID: a retried delivery appends once.
	SourceKey string
	// MessageID and References are the answer's headers, so the next reply
	// threads under it.
	MessageID  string
	References string
}

// AppendCustomerAnswer adds a customer's answer to their ticket and reopens
// it (open, waiting on staff). It reports false, changing nothing, when the
// ticket does not exist, the reply it answers is not a reply on that ticket,
// or the mail is not from the ticket's customer: that mail opens a ticket of
// its own. A delivery seen before is reported true and
// changes nothing.
func (s *Store) AppendCustomerAnswer(ctx context.Context, a CustomerAnswer) (bool, error) {
	appended := false
	err := s.InTx(ctx, func(tx *Store) error {
		t, err := tx.oneTicket(ctx, "lock ticket", `id = $1 FOR UPDATE`, a.TicketID)
		if errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if !strings.EqualFold(strings.TrimSpace(t.RequesterEmail), strings.TrimSpace(a.From)) {
			return nil
		}
		var replied bool
		if err := tx.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ticket_notes WHERE id = $1 AND ticket_id = $2 AND kind = 'reply')`,
			a.NoteID, t.ID).Scan(&replied); err != nil {
			return mapErr("replied note", err)
		}
		if !replied {
			return nil
		}
		appended = true
		var key *string
		if a.SourceKey != "" {
			key = &a.SourceKey
		}
		var noteID int64
		err = tx.db.QueryRow(ctx, `INSERT INTO ticket_notes (ticket_id, author, body, kind, source_key)
			VALUES ($1, $2, $3, 'customer', $4) ON CONFLICT (source_key) DO NOTHING RETURNING id`,
			t.ID, a.From, Redact(a.Body), key).Scan(&noteID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // a retried delivery
		} else if err != nil {
			return mapErr("customer answer", err)
		}
		if _, err := tx.db.Exec(ctx, `UPDATE tickets SET status = 'open', waiting_on = 'staff', updated_at = now(),
				email_message_id = CASE WHEN $2 <> '' THEN $2 ELSE email_message_id END,
				email_refs = CASE WHEN $3 <> '' THEN $3 ELSE email_refs END
			WHERE id = $1`, t.ID, a.MessageID, a.References); err != nil {
			return mapErr("reopen ticket", err)
		}
		return tx.Audit(ctx, a.From, "ticket.customer_answer", fmt.Sprintf("ticket:%d", t.ID), map[string]any{
			"note_id": noteID, "reopened_from": t.Status})
	})
	return appended, err
}

// AssignTicket gives a ticket to a staff member by email ("" releases it)
// and audits the change.
func (s *Store) AssignTicket(ctx context.Context, id int64, assignee, actor string) error {
	return s.InTx(ctx, func(tx *Store) error {
		t, err := tx.oneTicket(ctx, "lock ticket", `id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		if t.Assignee == assignee {
			return nil
		}
		if _, err := tx.db.Exec(ctx, `UPDATE tickets SET assignee = $2, updated_at = now() WHERE id = $1`, id, assignee); err != nil {
			return mapErr("assign ticket", err)
		}
		return tx.Audit(ctx, actor, "ticket.assign", fmt.Sprintf("ticket:%d", id), map[string]any{"from": t.Assignee, "to": assignee})
	})
}
