// Package views holds the console's templ components: the layout, the pages and
// the fragments htmx swaps. Components take explicit, UI-shaped parameters; they
// never touch the database or the request.
package views

import (
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// Shell is what the layout needs on every page.
type Shell struct {
	Title string
	// Email and Role of the signed-in user ("" when signed out).
	Email string
	Role  string
	Nav   []NavGroup
	// Home is the signed-in role's own home page ("/" when empty).
	Home  string
	Flash Flash
	// CSS, JS, NavJS and Icon are the versioned URLs of the stylesheet,
	// htmx, the navigation's menu script and the icon.
	CSS   string
	JS    string
	NavJS string
	Icon  string
}

// Link is a link an error page offers as the way on.
type Link struct {
	Href, Label, TestID string
}

// NavGroup is a group of the navigation's links (Work, Customers, Admin); a
// group of one link is shown as the link itself.
type NavGroup struct {
	Label   string
	Items   []NavItem
	Current bool // a link in the group is the current page
}

// NavItem is one link in the navigation.
type NavItem struct {
	Href    string
	Label   string
	Current bool
}

// Flash is a one-time message shown where the user looks.
type Flash struct {
	Kind string // ok or error
	Msg  string
}

// LoginForm is the sign-in form's state.
type LoginForm struct {
	Email string
	Next  string
	Error string
}

// OverviewData is the overview's figures at a moment.
type OverviewData struct {
	store.Overview
	Now time.Time
	// Admin shows the links to pages only admins open (jobs).
	Admin bool
	// Attention is what needs someone now, the jobs' counts included.
	Attention []store.AttentionItem
	// Live links objects without a mode of their own to Stripe's live
	// dashboard (production), else the test one.
	Live bool
	// Charts are drawn on the full page only (not on each refresh).
	Charts ChartsData
}

// EventsData is one page of the events list.
type EventsData struct {
	Filter   store.EventFilter
	Day      string // the day filter as typed (YYYY-MM-DD)
	Statuses []string
	Events   []store.Event
	// Query is the filter as a query string (for links that keep it).
	Query string
	// NextQuery is the query string of the next page ("" on the last page).
	NextQuery string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
	CanReplay bool
	// Reconcile is the missed-events panel.
	Reconcile ReconcileData
}

// EventData is one event's page.
type EventData struct {
	Event   store.Event
	Payload string // pretty-printed JSON
	Changes []Change
	// HasEffects is false for events applied before effects were recorded.
	HasEffects bool
	Attempts   []Attempt
	Replay     ReplayData
	CanReplay  bool
}

// Attempt is one processing attempt of an event's job.
type Attempt struct {
	JobID   int64
	Attempt int
	At      time.Time
	Error   string
}

// Change is one thing an event changed (or would change).
type Change struct {
	What string // "order 12", "account 7"
	From string
	To   string
	Note string
}

// ReplayData is the replay panel's state.
type ReplayData struct {
	EventID string
	Stage   string // "" (offer a dry run), "dry-run" (show it, offer apply), "done"
	// Type is the event's type; MovesMoney is true when it records money
	// moving, so ignoring it would leave an order or account wrong.
	Type       string
	MovesMoney bool
	// HeldVersion is the API version of a held event; BuildVersion the one
	// this build speaks.
	HeldVersion, BuildVersion string
	// Dry run.
	Status  string
	Failure string
	Changes []Change
	Jobs    []PlannedJob
	// After applying.
	Result string
	Error  string
}

// PlannedJob is a follow-up job a replay would enqueue.
type PlannedJob struct {
	Kind     string
	Args     string
	Existing bool
	State    string
}

// BulkReplayData is the bulk replay confirmation.
type BulkReplayData struct {
	Filter store.EventFilter
	Day    string
	Count  int
	// Cap is how many one confirmation replays at most.
	Cap int
}

// Job is one River job as the jobs page shows it.
type Job struct {
	ID          int64
	Kind        string
	Queue       string
	State       string
	Attempt     int
	MaxAttempts int
	LastError   string
	NextRun     *time.Time
	CreatedAt   time.Time
	Args        string
	CanRetry    bool
	CanDiscard  bool
	// Confirm says what the last action did (shown in the row after it).
	Confirm string
	// Errors are every attempt's error, oldest first.
	Errors []Attempt
}

// JobsData is one page of the jobs list.
type JobsData struct {
	State  string
	States []string
	// Counts are the jobs in each state (of Kind, when set).
	Counts map[string]int64
	Kind   string
	Jobs   []Job
	// Query is the filter as a query string; FirstQuery, set on a later page,
	// goes back to the first; NextQuery to the next ("" on the last).
	Query      string
	FirstQuery string
	NextQuery  string
}

// JobData is one job's page.
type JobData struct {
	Job Job
	// Args is the arguments, pretty-printed (secrets redacted).
	Args     string
	Attempts []Attempt
	// Links are what the job belongs to.
	Links       []JobLink
	AttemptedAt *time.Time
	FinalizedAt *time.Time
	Priority    int
	Tags        []string
	// RetryRefusal is why the job may not be retried by hand ("" when it may).
	RetryRefusal string
}

// JobLink is one thing a job belongs to: "event evt_…", "email 3".
type JobLink struct {
	Label string
	Href  string
}

// JobsBulkData is the bulk retry or discard confirmation.
type JobsBulkData struct {
	Action string // retry or discard
	State  string
	Kind   string
	Count  int
	Cap    int
}

// StatusRow is one row of the Stripe-to-ours status table.
type StatusRow struct {
	Object, Event, Stripe, Ours, What string
}

// statusCell shows the any-status wildcard of an event row in words.
func statusCell(s string) string {
	if s == "*" {
		return "any"
	}
	return s
}

// Setting is one configuration value, already masked when secret.
type Setting struct {
	Name  string
	Value string
}

// SettingsData is the settings page.
type SettingsData struct {
	// Checks is true when the server runs launch-readiness checks; the page
	// loads them from /settings/checks.
	Checks   bool
	Statuses []StatusRow
	Settings []Setting
}

// ChecksData is the launch-readiness list.
type ChecksData struct {
	// Enabled is false when this server runs no checks.
	Enabled bool
	Checks  []store.Check
	At      time.Time
	// OwnPage is true on the checks' own page, whose heading names them.
	OwnPage bool
}

// UserForm is the add-user form's state.
type UserForm struct {
	Email     string
	Role      string
	AccountID string
	Error     string
}

// UsersData is the users page.
type UsersData struct {
	Users []store.User
	MeID  int64
	Form  UserForm
	Roles []string
}

// AuditData is one page of the audit log.
type AuditData struct {
	// Actor, Action and Subject are the filters in use ("" for none).
	Actor, Action, Subject string
	Entries                []store.AuditEntry
	NextQuery              string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
}

// SellerData is a seller's home.
type SellerData struct {
	Orders   []store.Order
	Disputes []store.Dispute
	Payouts  []store.SellerPayout
	// PayoutTotals sums every payout by currency (Payouts is the latest).
	PayoutTotals []store.PayoutTotal
	NextQuery    string
	// NewerHref is the page before this one ("" on the first page).
	NewerHref string
	Now       time.Time
}
