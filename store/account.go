package store

import (
	"strings"
	"time"
)

// Account roles.
const (
	RoleBuyer  = "buyer"
	RoleSeller = "seller"
)

// CRM sync statuses.
const (
	CRMPending  = "pending"
	CRMSynced   = "synced"
	CRMRetrying = "retrying"
	CRMFailed   = "failed"
	CRMDisabled = "disabled"
)

// Account is the one canonical record of a person: its ID joins the Stripe
// customer, the Stripe Connect account, the CRM contact and the support requester.
type Account struct {
	ID               int64      `db:"id" json:"id"`
	Email            *string    `db:"email" json:"email"`
	Name             string     `db:"name" json:"name"`
	Role             string     `db:"role" json:"role"`
	PlanTier         string     `db:"plan_tier" json:"plan_tier"`
	PaymentState     string     `db:"payment_state" json:"payment_state"`
	StripeCustomerID *string    `db:"stripe_customer_id" json:"stripe_customer_id"`
	StripeAccountID  *string    `db:"stripe_account_id" json:"stripe_account_id"`
	CRMContactID     *string    `db:"crm_contact_id" json:"crm_contact_id"`
	CRMSync          CRMSync    `db:"-" json:"crm_sync"`
	CRMSyncStatus    string     `db:"crm_sync_status" json:"-"`
	CRMSyncAttempts  int        `db:"crm_sync_attempts" json:"-"`
	CRMLastError     string     `db:"crm_last_error" json:"-"`
	CRMLastSyncedAt  *time.Time `db:"crm_last_synced_at" json:"-"`
	CreatedAt        time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt        time.Time  `db:"updated_at" json:"updated_at"`
}

// CRMSync is an account's CRM sync status as the API shows it.
type CRMSync struct {
	Status       string     `json:"status"`
	Attempts     int        `json:"attempts"`
	LastError    string     `json:"last_error"`
	LastSyncedAt *time.Time `json:"last_synced_at"`
}

func (a *Account) fill() {
	a.CRMSync = CRMSync{Status: a.CRMSyncStatus, Attempts: a.CRMSyncAttempts, LastError: a.CRMLastError, LastSyncedAt: a.CRMLastSyncedAt}
}

// Signup is a marketplace signup from the API.
type Signup struct {
	Email    string
	Name     string
	Role     string
	PlanTier string
}

// Validate checks a signup and returns a message for the first problem.
func (s Signup) Validate() string {
	switch {
	case !ValidEmail(s.Email):
		return "email is required and must look like name@example.com"
	case s.Role != RoleBuyer && s.Role != RoleSeller:
		return "role must be buyer or seller"
	case len(s.Name) > 200:
		return "name is longer than 200 characters"
	case len(s.PlanTier) > 64:
		return "plan_tier is longer than 64 characters"
	}
	return ""
}

// ValidEmail is a deliberately loose check: one @, something on both sides, no spaces.
func ValidEmail(e string) bool {
	at := strings.LastIndexByte(e, '@')
	return at > 0 && at < len(e)-1 && !strings.ContainsAny(e, " \t\r\n<>") && len(e) <= 320
}

// CustomerUpsert is what a Stripe customer (or a payment naming one) tells us.
type CustomerUpsert struct {
	StripeCustomerID string
	Email            string
	Name             string
	// SeenAt is the Stripe event's created time: older snapshots never overwrite newer ones.
	SeenAt time.Time
	// Snapshot is true when the data is the customer object itself (customer.*
	// events), false when it is incidental (a payment's billing details).
	Snapshot bool
}

// freshness is the mark an upsert leaves in stripe_customer_synced_at: only the
// customer object itself sets it, so an incidental payment's later time never
// makes an older but authoritative snapshot look stale.
func (c CustomerUpsert) freshness() *time.Time {
	if !c.Snapshot {
		return nil
	}
	return &c.SeenAt
}
