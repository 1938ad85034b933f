package store

import (
	"regexp"
	"strings"
	"time"
)

// Ticket queues (DESIGN.md).
const (
	TicketBilling  = "billing"
	TicketDisputes = "disputes"
	TicketSellers  = "sellers"
	TicketGeneral  = "general"
)

// Ticket priorities.
const (
	PriorityNormal = "normal"
	PriorityHigh   = "high"
)

// Ticket statuses.
const (
	TicketOpen    = "open"
	TicketPending = "pending"
	TicketSolved  = "solved"
	TicketClosed  = "closed"
)

// Ticket channels.
const (
	ChannelAPI     = "api"
	ChannelEmail   = "email"
	ChannelStripe  = "stripe"
	ChannelConsole = "console"
)

// Ticket is one support request with the context of its account.
type Ticket struct {
	ID             int64     `db:"id" json:"id"`
	AccountID      *int64    `db:"account_id" json:"account_id"`
	DisputeID      *int64    `db:"dispute_id" json:"dispute_id,omitempty"`
	RequesterEmail string    `db:"requester_email" json:"requester_email"`
	Channel        string    `db:"channel" json:"channel"`
	SourceKey      *string   `db:"source_key" json:"-"`
	Subject        string    `db:"subject" json:"subject"`
	Body           string    `db:"body" json:"body"`
	Queue          string    `db:"queue" json:"queue"`
	Priority       string    `db:"priority" json:"priority"`
	Status         string    `db:"status" json:"status"`
	Tags           []string  `db:"tags" json:"tags"`
	Role           string    `db:"role" json:"role"`
	PlanTier       string    `db:"plan_tier" json:"plan_tier"`
	PaymentState   string    `db:"payment_state" json:"payment_state"`
	LastAction     string    `db:"last_action" json:"last_action"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time `db:"updated_at" json:"updated_at"`
	// WaitingOn says whose turn it is: staff (a new ticket, or the customer
	// answered) or the customer (staff replied).
	WaitingOn string `db:"waiting_on" json:"-"`
	// Assignee is the staff member's email who took the ticket ("" nobody).
	Assignee string `db:"assignee" json:"-"`
	// EmailMessageID and EmailRefs thread replies into the customer's
	// conversation: the Message-ID of their latest mail and the References.
	EmailMessageID string `db:"email_message_id" json:"-"`
	EmailRefs      string `db:"email_refs" json:"-"`
}

// Whose turn a ticket is.
const (
	WaitingOnStaff    = "staff"
	WaitingOnCustomer = "customer"
)

// TicketTurn is whose turn a ticket in a status is, the one source of the
// console's "waiting on" label: pending waits on the customer, open on
// staff, and a solved or closed ticket on nobody ("").
func TicketTurn(status string) string {
	switch status {
	case TicketPending:
		return WaitingOnCustomer
	case TicketOpen:
		return WaitingOnStaff
	}
	return ""
}

// Ticket note kinds: a staff note (only staff see it), a reply sent to the
// customer, and the customer's answer by email.
const (
	NoteStaff    = "note"
	NoteReply    = "reply"
	NoteCustomer = "customer"
)

// NewTicket is a support request as it arrives.
type NewTicket struct {
	Email   string
	Subject string
	Body    string
	Channel string
	// SourceKey makes a retried delivery open one ticket (an inbound message
	// ID, a dispute).
	SourceKey string
	// EmailMessageID and EmailRefs are an inbound mail's Message-ID and
	// References headers, so that replies thread.
	EmailMessageID string
	EmailRefs      string
	// AccountID and DisputeID are set when the ticket is opened by an event
	// about a known account rather than matched by email.
	AccountID *int64
	DisputeID *int64
}

// Validate checks a ticket from outside and returns a message for the first problem.
func (t NewTicket) Validate() string {
	switch {
	case !ValidEmail(t.Email):
		return "email is required and must look like name@example.com"
	case strings.TrimSpace(t.Subject) == "":
		return "subject is required"
	case len(t.Subject) > 500:
		return "subject is longer than 500 characters"
	case strings.TrimSpace(t.Body) == "":
		return "body is required"
	case len(t.Body) > 100_000:
		return "body is longer than 100000 characters"
	case t.Channel != ChannelAPI && t.Channel != ChannelEmail && t.Channel != ChannelStripe && t.Channel != ChannelConsole:
		return "channel must be api, email, stripe or console"
	}
	return ""
}

// TicketFacts is what routing knows about a ticket and its requester.
type TicketFacts struct {
	HasAccount     bool
	Role           string // buyer or seller; empty without an account
	PlanTier       string
	PaymentState   string
	FailedPayments int  // recent failed orders and unpaid failed invoices
	OpenDisputes   int  // open disputes on the seller's orders
	AboutDispute   bool // the text mentions a dispute or chargeback
	FromDispute    bool // opened by a Stripe dispute
}

// TicketRoute is one row of the routing table: the first row that matches wins.
type TicketRoute struct {
	Rule     string
	Match    func(TicketFacts) bool
	Queue    string
	Priority string
}

// TicketRoutes is the routing table (DESIGN.md): failed or past-due payments to
// billing at high priority; sellers with an open dispute or writing about one
// (and every Stripe dispute) to disputes; other sellers to sellers; the rest to
// general.
var TicketRoutes = []TicketRoute{
	{"opened by a Stripe dispute", func(f TicketFacts) bool { return f.FromDispute }, TicketDisputes, PriorityHigh},
	{"failed or past-due payment", func(f TicketFacts) bool {
		return f.PaymentState == PaymentPastDue || f.FailedPayments > 0
	}, TicketBilling, PriorityHigh},
	{"seller with an open dispute or writing about one", func(f TicketFacts) bool {
		return f.Role == RoleSeller && (f.OpenDisputes > 0 || f.AboutDispute)
	}, TicketDisputes, PriorityHigh},
	{"seller", func(f TicketFacts) bool { return f.Role == RoleSeller }, TicketSellers, PriorityNormal},
	{"everyone else", func(TicketFacts) bool { return true }, TicketGeneral, PriorityNormal},
}

// RouteTicket picks a ticket's queue and priority from the routing table.
func RouteTicket(f TicketFacts) (queue, priority string) {
	for _, r := range TicketRoutes {
		if r.Match(f) {
			return r.Queue, r.Priority
		}
	}
	return TicketGeneral, PriorityNormal
}

// TicketTags are the automatic tags: plan, payment state and role of the
// requester's account, or requester:unknown without one; dispute when it is
// about one.
func TicketTags(f TicketFacts) []string {
	var tags []string
	if f.HasAccount {
		tags = append(tags, "plan:"+f.PlanTier, "payment:"+f.PaymentState, "role:"+f.Role)
	} else {
		tags = append(tags, "requester:unknown")
	}
	if f.FromDispute || f.AboutDispute || f.OpenDisputes > 0 {
		tags = append(tags, "dispute")
	}
	return tags
}

var disputeWords = regexp.MustCompile(`(?i)\b(disputes?|disputed|chargebacks?|charge[- ]backs?)\b`)

// MentionsDispute reports whether text is about a dispute or chargeback.
func MentionsDispute(text string) bool { return disputeWords.MatchString(text) }

// TicketStatuses are the ticket statuses in their usual order.
var TicketStatuses = []string{TicketOpen, TicketPending, TicketSolved, TicketClosed}

// ValidTicketStatus reports whether s is a ticket status.
func ValidTicketStatus(s string) bool {
	return s == TicketOpen || s == TicketPending || s == TicketSolved || s == TicketClosed
}

// TicketNote is a support agent's note on a ticket.
type TicketNote struct {
	ID        int64     `db:"id" json:"id"`
	TicketID  int64     `db:"ticket_id" json:"ticket_id"`
	Author    string    `db:"author" json:"author"`
	Body      string    `db:"body" json:"body"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	// Kind is note (staff only), reply (sent to the customer) or customer
	// (their answer by email).
	Kind string `db:"kind" json:"kind"`
}

// TicketDetail is a ticket with its notes and audit trail (the console's
// ticket page).
type TicketDetail struct {
	Ticket Ticket
	Notes  []TicketNote
	Audit  []AuditEntry
}

// QueueCount is one queue's ticket counts.
type QueueCount struct {
	Queue string `db:"queue" json:"queue"`
	Open  int64  `db:"open" json:"open"`
	Total int64  `db:"total" json:"total"`
}

// AccountContext is what support sees about a ticket's account beside the
// ticket's own snapshot: the account as it is now (with its CRM sync), whether
// mail to it gets through and which messages are failing, and its recent
// tickets.
type AccountContext struct {
	Account       Account
	Communication string // CommsOK or CommsDegraded
	Failing       []Message
	Tickets       []Ticket
}
