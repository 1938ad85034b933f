package store

import "time"

// Reconciliation triggers: who started a run against Stripe's Events API.
const (
	ReconcileCLI      = "cli"      // switchboard reconcile
	ReconcilePeriodic = "periodic" // the River leader's periodic job
	ReconcileConsole  = "console"  // an admin's button on the events page
)

// ReconcileCounts are what a reconciliation did: pages and events listed,
// events added to the ledger (of which held and ignored) and events it
// already had.
type ReconcileCounts struct {
	Pages   int `db:"pages" json:"pages"`
	Listed  int `db:"listed" json:"listed"`
	Added   int `db:"added" json:"added"`
	Known   int `db:"known" json:"known"`
	Held    int `db:"held" json:"held"`
	Ignored int `db:"ignored" json:"ignored"`
}

// Add adds o to c.
func (c *ReconcileCounts) Add(o ReconcileCounts) {
	c.Pages += o.Pages
	c.Listed += o.Listed
	c.Added += o.Added
	c.Known += o.Known
	c.Held += o.Held
	c.Ignored += o.Ignored
}

// ReconcileRun is one recorded reconciliation. FinishedAt is nil while it
// runs (or when its process died); Error is empty when every page was read.
type ReconcileRun struct {
	ID         int64      `db:"id"`
	Trigger    string     `db:"trigger"`
	Since      time.Time  `db:"since"`
	Clamped    bool       `db:"clamped"`
	StartedAt  time.Time  `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
	Accounts   int        `db:"accounts"`
	Error      string     `db:"error"`
	ReconcileCounts
}
