package store

import "time"

// Alert severities.
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Alert kinds: what went wrong. Subjects say what it went wrong with.
const (
	AlertWebhookFailures  = "webhook_failures"   // subject: "stripe"
	AlertEventHeld        = "event_held"         // subject: "api_version:…"
	AlertCRMUnavailable   = "crm_unavailable"    // subject: the provider
	AlertCRMSyncFailed    = "crm_sync_failed"    // subject: "account:N"
	AlertMailUnavailable  = "mail_unavailable"   // subject: "smtp"
	AlertEmailFailed      = "email_failed"       // subject: "message:N"
	AlertBadCredential    = "bad_credential"     // subject: the integration
	AlertDisputeOpened    = "dispute_opened"     // subject: "dispute:dp_…"
	AlertPayoutFailed     = "payout_failed"      // subject: "payout:po_…"
	AlertCRMRejected      = "crm_rejected"       // subject: "account:N"
	AlertEmailUnknown     = "email_unknown"      // subject: "message:N"
	AlertEventFailed      = "event_failed"       // subject: "event:evt_…"
	AlertEvidenceFailed   = "evidence_failed"    // subject: "dispute:dp_…"
	AlertRefundFailed     = "refund_failed"      // subject: "refund_request:N"
	AlertAppWebhookFailed = "app_webhook_failed" // subject: "app_delivery:N"
	AlertApplyLag         = "apply_lag"          // subject: "stripe_events"
)

// AlertResolver is who resolves an alert whose cause cleared by itself.
const AlertResolver = "switchboard"

// Alert is one problem, however often it happened.
type Alert struct {
	ID             int64      `db:"id" json:"id"`
	Kind           string     `db:"kind" json:"kind"`
	Subject        string     `db:"subject" json:"subject"`
	Severity       string     `db:"severity" json:"severity"`
	Message        string     `db:"message" json:"message"`
	Count          int64      `db:"count" json:"count"`
	FirstSeenAt    time.Time  `db:"first_seen_at" json:"first_seen_at"`
	LastSeenAt     time.Time  `db:"last_seen_at" json:"last_seen_at"`
	AcknowledgedAt *time.Time `db:"acknowledged_at" json:"acknowledged_at"`
	AcknowledgedBy string     `db:"acknowledged_by" json:"acknowledged_by"`
	ResolvedAt     *time.Time `db:"resolved_at" json:"resolved_at"`
	// ResolvedBy is who resolved it: AlertResolver when its cause cleared.
	ResolvedBy string `db:"resolved_by" json:"resolved_by"`
	// ResolvedReason says why it is over, in the console's words.
	ResolvedReason string     `db:"resolved_reason" json:"resolved_reason"`
	NotifiedAt     *time.Time `db:"notified_at" json:"notified_at"`
	DeliveryError  string     `db:"delivery_error" json:"delivery_error"`
}

// NewAlert is one occurrence of a problem.
type NewAlert struct {
	Kind     string
	Subject  string
	Severity string // warning when empty
	Message  string
}

// AlertRaise says what raising did: Notify is true when the problem is new or
// came back after being resolved (channels are told then, not on every repeat).
type AlertRaise struct {
	Alert  Alert
	Notify bool
}

// Alert states on the console: open (not yet seen), acknowledged (seen, still
// happening) and resolved (over: the integration works again).
const (
	AlertStateOpen         = "open"
	AlertStateAcknowledged = "acknowledged"
	AlertStateResolved     = "resolved"
)

// AlertStates are the console's alert tabs, in order.
var AlertStates = []string{AlertStateOpen, AlertStateAcknowledged, AlertStateResolved}

// State is the alert's console state: resolved wins over acknowledged.
func (a Alert) State() string {
	switch {
	case a.ResolvedAt != nil:
		return AlertStateResolved
	case a.AcknowledgedAt != nil:
		return AlertStateAcknowledged
	}
	return AlertStateOpen
}

// AlertCursor is where a page of alerts ends (keyset on last seen, ID).
type AlertCursor struct {
	LastSeenAt time.Time
	ID         int64
}

// AlertCounts counts alerts by console state.
type AlertCounts struct {
	Open         int64 `db:"open"`
	Acknowledged int64 `db:"acknowledged"`
	Resolved     int64 `db:"resolved"`
}

// Of is the count of one state.
func (c AlertCounts) Of(state string) int64 {
	switch state {
	case AlertStateOpen:
		return c.Open
	case AlertStateAcknowledged:
		return c.Acknowledged
	case AlertStateResolved:
		return c.Resolved
	}
	return 0
}
