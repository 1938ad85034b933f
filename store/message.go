package store

import (
	"encoding/json"
	"time"
)

// Message kinds: one per business event that sends mail.
const (
	MsgOrderConfirmation = "order_confirmation"
	MsgRefundNotice      = "refund_notice"
	MsgPaymentFailed     = "payment_failed"
	MsgAlert             = "alert"
	// MsgTicketReply is staff's answer to a ticket, sent as written and
	// threaded into the customer's conversation.
	MsgTicketReply = "ticket_reply"
)

// Message statuses. A message that failed an attempt is degraded (and
// retried); one that failed them all is failed. Outbox is a message kept in
// the console because no SMTP server is configured. Sending is recorded,
// durably, before the SMTP conversation starts; a message found still sending
// by a later attempt (the process died or the database went away before the
// outcome was recorded) may or may not have reached the customer: it becomes
// unknown and is never sent again automatically, only by an admin's resend.
const (
	MsgQueued   = "queued"
	MsgSending  = "sending"
	MsgSent     = "sent"
	MsgOutbox   = "outbox"
	MsgDegraded = "degraded"
	MsgFailed   = "failed"
	MsgUnknown  = "unknown"
)

// Communication states of an account, as the customer page shows them.
const (
	CommsOK       = "ok"
	CommsDegraded = "degraded"
)

// Message is one outgoing email, keyed by its business event.
type Message struct {
	ID        int64           `db:"id" json:"id"`
	Key       string          `db:"key" json:"key"`
	Kind      string          `db:"kind" json:"kind"`
	AccountID *int64          `db:"account_id" json:"account_id"`
	OrderID   *int64          `db:"order_id" json:"order_id"`
	To        string          `db:"to_addr" json:"to"`
	Subject   string          `db:"subject" json:"subject"`
	TextBody  string          `db:"text_body" json:"text_body"`
	HTMLBody  string          `db:"html_body" json:"html_body"`
	Detail    json.RawMessage `db:"detail" json:"detail"`
	Status    string          `db:"status" json:"status"`
	Attempts  int             `db:"attempts" json:"attempts"`
	LastError string          `db:"last_error" json:"last_error"`
	CreatedAt time.Time       `db:"created_at" json:"created_at"`
	SentAt    *time.Time      `db:"sent_at" json:"sent_at"`
	// Resends counts an admin's resends; each gets a send job of its own.
	Resends int `db:"resends" json:"resends"`
	// TicketID is the ticket a reply answers; InReplyTo and ThreadRefs are
	// its threading headers (Message-IDs; ThreadRefs space separated).
	TicketID   *int64 `db:"ticket_id" json:"ticket_id,omitempty"`
	InReplyTo  string `db:"in_reply_to" json:"-"`
	ThreadRefs string `db:"thread_refs" json:"-"`
}

// NewMessage is a message to send once for one business event.
type NewMessage struct {
	Key       string // the idempotency key, e.g. "order_confirmation:order:42"
	Kind      string
	AccountID *int64
	OrderID   *int64
	To        string
	// Detail is what the template needs beyond the order and account (an
	// alert's text, an invoice ID).
	Detail map[string]any
}

// RenderedMessage is a message's final text, recorded when it is sent.
type RenderedMessage struct {
	Subject  string
	TextBody string
	HTMLBody string
}

// MessageStatuses are every message status, in the order the console lists them.
var MessageStatuses = []string{MsgOutbox, MsgSent, MsgDegraded, MsgFailed, MsgUnknown, MsgQueued, MsgSending}

// Resendable reports whether an admin may send a message again: its last
// send failed for good, or its outcome is unknown.
func (m Message) Resendable() bool { return m.Status == MsgFailed || m.Status == MsgUnknown }

// ValidMessageStatus reports whether s is a message status.
func ValidMessageStatus(s string) bool {
	for _, v := range MessageStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// MessageFilter selects messages for the console's log: one status (or all),
// newest first, below BeforeID (keyset; 0 for the first page).
type MessageFilter struct {
	Status   string
	BeforeID int64
	Limit    int
}
