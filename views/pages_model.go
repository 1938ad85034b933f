package views

import (
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// CustomersData is one page of the customer search.
type CustomersData struct {
	Query string
	// Error is the search form's message (422), with no results shown.
	Error    string
	Accounts []store.Account
	// NextQuery is the query string of the next page ("" on the last page).
	NextQuery string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
}

// CustomerData is one customer's page: the canonical record, its CRM sync and
// communication status, and one timeline.
type CustomerData struct {
	Account store.Account
	// Communication is ok or degraded (store.AccountCommunication).
	Communication string
	Messages      []store.Message
	Timeline      []store.TimelineItem
	// TimelineNext is the query string of the timeline's older page ("" at its end).
	TimelineNext string
	// Older is true on a timeline page other than the first.
	Older bool
	// CRMOff is true when no CRM is connected; Admin when the viewer may set one up.
	CRMOff bool
	Admin  bool
	// Payouts are a seller's newest payouts, failed ones with Stripe's reason.
	Payouts []store.SellerPayout
}

// OrdersData is one page of the orders list.
type OrdersData struct {
	Status    string
	Statuses  []string
	Orders    []store.OrderRow
	NextQuery string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
}

// DisputesData is one page of the dispute queue.
type DisputesData struct {
	Queue     string // open or closed
	Disputes  []store.QueueDispute
	NextQuery string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
	Now       time.Time
}

// DisputeData is one dispute's page.
type DisputeData struct {
	store.DisputeDetail
	Assignees []store.Assignee
	Now       time.Time
	// CanManage shows assignment and closing (admins).
	CanManage bool
	// MeID is the signed-in user: staff who do not have the dispute can take it.
	MeID int64
	// NoteError is the note form's message (422).
	NoteError string
	Note      string
	// Live links the dispute to Stripe's live dashboard, else the test one.
	Live bool
	// Evidence is the dispute's evidence draft, submissions and form.
	Evidence EvidenceView
}

// EvidenceView is a dispute's evidence section.
type EvidenceView struct {
	// Fields are the form's fields for the dispute's reason.
	Fields []store.EvidenceField
	// Draft is the form's values: the saved draft, or what was posted.
	Draft store.Evidence
	// Saved is the saved draft (nil: none yet).
	Saved       *store.EvidenceDraft
	Submissions []store.EvidenceSubmission
	// CanEdit is true for the roles that may save and submit evidence.
	CanEdit bool
	// Refusal is why the evidence can no longer change (closed, past the
	// deadline, already submitted); "" while it can.
	Refusal string
	// StripeRefusal is why this deployment cannot call Stripe ("" when it can).
	StripeRefusal string
	// Key is the submit button's one-time form key.
	Key string
	// Error is the form's message (422).
	Error string
}

// SellerOrdersData is one page of a seller's orders.
type SellerOrdersData struct {
	Status    string
	Statuses  []string
	Orders    []store.OrderRow
	NextQuery string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
	// AllSellers is true for an admin looking at every seller's orders.
	AllSellers bool
}

// SellerOrderData is one of a seller's orders.
type SellerOrderData struct {
	Order    store.OrderRow
	Refunds  []store.RefundRow
	Disputes []store.Dispute
	Now      time.Time
}

// SellerDisputesData is one page of a seller's disputes.
type SellerDisputesData struct {
	Disputes  []store.Dispute
	NextQuery string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
	Now       time.Time
}

// OrderPageData is a staff order page: the order, what happened to it and
// everything linked to it.
type OrderPageData struct {
	Order    store.OrderRow
	Refunds  []store.RefundRow
	Disputes []store.Dispute
	Messages []store.Message
	Jobs     []Job
	Events   []store.Event
	// Live links the order's Stripe objects to the live dashboard.
	Live bool
	// Admin links to pages only admins open (outbox, jobs).
	Admin bool
	Now   time.Time
}
