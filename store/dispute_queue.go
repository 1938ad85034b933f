package store

import (
	"errors"
	"time"
)

// QueueDispute is a dispute as the dispute queue shows it: with its customer,
// order, seller, assignee and ticket.
type QueueDispute struct {
	Dispute
	CustomerName    string  `db:"customer_name"`
	CustomerEmail   *string `db:"customer_email"`
	OrderReference  *string `db:"order_reference"`
	SellerAccountID *int64  `db:"seller_account_id"`
	SellerName      *string `db:"seller_name"`
	AssigneeEmail   *string `db:"assignee_email"`
	TicketID        *int64  `db:"ticket_id"`
}

// DisputeCursor is the keyset position after which a page of the dispute
// queue starts. Open disputes go by evidence deadline (none last), then ID;
// closed ones newest first by ID.
type DisputeCursor struct {
	DueBy *time.Time
	ID    int64
}

// Cursor returns the position just after the dispute.
func (d QueueDispute) Cursor() DisputeCursor { return DisputeCursor{DueBy: d.EvidenceDueBy, ID: d.ID} }

// DisputeTrailEntry is one step in a dispute's audit trail: a note, an
// assignment, a close.
type DisputeTrailEntry struct {
	ID     int64     `db:"id"`
	At     time.Time `db:"at"`
	Actor  string    `db:"actor"`
	Action string    `db:"action"`
	Text   string    `db:"text"`
}

// DisputeDetail is a dispute with its trail, the notes on its ticket (Stripe's
// status changes among them) and who it may be assigned to.
type DisputeDetail struct {
	Dispute     QueueDispute
	Trail       []DisputeTrailEntry
	TicketNotes []TicketNote
}

// Assignee is a console user a dispute may be assigned to.
type Assignee struct {
	ID    int64  `db:"id"`
	Email string `db:"email"`
	Role  string `db:"role"`
}

// ErrNotAssignable is returned when a dispute is assigned to someone who is
// not an active admin or support user.
var ErrNotAssignable = errors.New("not an active admin or support user")

// DisputeNoteMax is the longest note a dispute takes.
const DisputeNoteMax = 10_000

// DisputeClose says what closing a dispute from the queue did.
type DisputeClose struct {
	// AlreadyClosed is true when the dispute was closed before (nothing changed).
	AlreadyClosed bool
	// AccountID is the disputed customer's account, whose payment state was
	// recomputed; PaymentChanged says whether it changed (the CRM must hear).
	AccountID      *int64
	PaymentChanged bool
}
