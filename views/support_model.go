package views

import (
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// TicketsData is the support queues with their counts and one page of tickets.
type TicketsData struct {
	Queues []store.QueueCount
	// Queue and Status are the filter ("" is every queue, any status).
	Queue    string
	Status   string
	Statuses []string
	Tickets  []store.Ticket
	// NextQuery is the query string of the next page ("" on the last page).
	NextQuery string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
	// Now is when the page was made (ticket ages).
	Now time.Time
}

// TicketData is one ticket's page.
type TicketData struct {
	Ticket store.Ticket
	// Account is the matched account now; nil when no account matched.
	Account  *store.AccountContext
	Activity TicketActivity
	// Admin links failing messages to the outbox (a page only admins open).
	Admin bool
	Now   time.Time
}

// TicketActivity is the part of a ticket's page that changes: its status,
// notes, the note form and the audit trail. Posting a note or a status swaps it.
type TicketActivity struct {
	TicketID int64
	Status   string
	Statuses []string
	Notes    []store.TicketNote
	Audit    []store.AuditEntry
	// Draft and Error are the note form's state after a refused note.
	Draft string
	Error string
	// The conversation with the customer: who they are, whose turn it is,
	// who has the ticket, and the reply form's state after a refused reply.
	Requester  string
	Assignee   string
	Me         string
	Opened     time.Time
	Now        time.Time
	ReplyDraft string
	ReplyError string
}

// AlertsData is one tab of the alerts page.
type AlertsData struct {
	State     string
	Counts    store.AlertCounts
	Alerts    []store.Alert
	NextQuery string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
	// Admin may acknowledge and follows links to admin pages.
	Admin bool
	Now   time.Time
}

// OutboxData is one page of the message log.
type OutboxData struct {
	// Status is the filter ("" for every message).
	Status    string
	Statuses  []string
	Messages  []store.Message
	NextQuery string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
	// OutboxMode is true when no SMTP server is configured: mail is kept here.
	OutboxMode bool
}
