package store

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
)

const accountColumns = `id, email, name, role, plan_tier, payment_state, stripe_customer_id, stripe_account_id,
	crm_contact_id, crm_sync_status, crm_sync_attempts, crm_last_error, crm_last_synced_at, created_at, updated_at`

func (s *Store) oneAccount(ctx context.Context, op, where string, args ...any) (Account, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE `+where, args...)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Account])
	a.fill()
	return a, mapErr(op, err)
}

// AccountByID returns one account.
func (s *Store) AccountByID(ctx context.Context, id int64) (Account, error) {
	return s.oneAccount(ctx, "account by id", `id = $1`, id)
}

// AccountByEmail finds an account by email, ignoring case.
func (s *Store) AccountByEmail(ctx context.Context, email string) (Account, error) {
	return s.oneAccount(ctx, "account by email", `lower(email) = lower($1)`, email)
}

// AccountByStripeCustomer finds an account by its Stripe customer ID.
func (s *Store) AccountByStripeCustomer(ctx context.Context, id string) (Account, error) {
	return s.oneAccount(ctx, "account by stripe customer", `stripe_customer_id = $1`, id)
}

// AccountByStripeAccount finds an account by its Stripe Connect account ID.
func (s *Store) AccountByStripeAccount(ctx context.Context, id string) (Account, error) {
	return s.oneAccount(ctx, "account by stripe account", `stripe_account_id = $1`, id)
}

// CreateSignup records a signup, idempotent on email: the same email returns the
// same account, with the plan tier of the latest signup that gives one. A repeat
// never changes the account's role or a name it already has (a token that may
// sign people up must not turn a buyer into a seller or rename anyone); an
// account that has no name yet takes the signup's.
func (s *Store) CreateSignup(ctx context.Context, in Signup) (Account, bool, error) {
	var created bool
	tier := in.PlanTier
	if tier == "" {
		tier = "free"
	}
	rows, _ := s.db.Query(ctx, `
		INSERT INTO accounts (email, name, role, plan_tier) VALUES ($1, $2, $3, $4)
		ON CONFLICT ((lower(email))) DO UPDATE SET
			name = CASE WHEN accounts.name = '' THEN EXCLUDED.name ELSE accounts.name END,
			plan_tier = CASE WHEN $5 THEN EXCLUDED.plan_tier ELSE accounts.plan_tier END,
			updated_at = CASE WHEN (accounts.name = '' AND EXCLUDED.name <> '') OR ($5 AND accounts.plan_tier <> EXCLUDED.plan_tier) THEN now() ELSE accounts.updated_at END
		RETURNING `+accountColumns+`, (xmax = 0) AS created`,
		in.Email, in.Name, in.Role, tier, in.PlanTier != "")
	type row struct {
		Account
		Created bool `db:"created"`
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
	if err != nil {
		return Account{}, false, mapErr("create signup", err)
	}
	created = r.Created
	r.Account.fill()
	return r.Account, created, nil
}

// LockKey takes a transaction-scoped advisory lock on a Stripe object ID, so two
// workers applying events about the same object take turns.
func (s *Store) LockKey(ctx context.Context, key string) error {
	_, err := s.db.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key)
	return mapErr("lock key", err)
}

// UpsertCustomer records a Stripe customer on its canonical account: by customer
// ID, else by joining an account with the same email that has no customer yet
// (a signup made before the payment), else a new account. Call it in a
// transaction holding LockKey on the customer ID.
func (s *Store) UpsertCustomer(ctx context.Context, c CustomerUpsert) (Account, error) {
	// One statement for the common case, an account that already has this
	// customer: a snapshot newer than the stored one wins; incidental data
	// (a payment's billing details) only fills what is empty.
	rows, _ := s.db.Query(ctx, `
		UPDATE accounts a SET
			email = CASE WHEN $2 <> '' AND (($4 AND fresh) OR a.email IS NULL)
				AND NOT EXISTS (SELECT 1 FROM accounts o WHERE lower(o.email) = lower($2) AND o.id <> a.id) THEN $2 ELSE a.email END,
			name = CASE WHEN $3 <> '' AND (($4 AND fresh) OR a.name = '') THEN $3 ELSE a.name END,
			stripe_customer_synced_at = CASE WHEN $4 AND fresh THEN $5 ELSE a.stripe_customer_synced_at END,
			updated_at = CASE WHEN ($4 AND fresh) OR a.email IS NULL OR a.name = '' THEN now() ELSE a.updated_at END
		FROM (SELECT id, (stripe_customer_synced_at IS NULL OR stripe_customer_synced_at <= $5) AS fresh
			FROM accounts WHERE stripe_customer_id = $1) f
		WHERE a.id = f.id
		RETURNING `+prefixed("a.", accountColumns),
		c.StripeCustomerID, c.Email, c.Name, c.Snapshot, c.SeenAt)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Account])
	if err == nil {
		a.fill()
		return a, nil
	}
	err = mapErr("update customer", err)
	if !errors.Is(err, ErrNotFound) {
		return Account{}, err
	}
	if c.Email != "" {
		if err := s.LockKey(ctx, "email:"+lowerASCII(c.Email)); err != nil {
			return Account{}, err
		}
		a, err := s.AccountByEmail(ctx, c.Email)
		if err == nil && a.StripeCustomerID == nil {
			_, err := s.db.Exec(ctx, `
				UPDATE accounts SET stripe_customer_id = $2, name = CASE WHEN name = '' THEN $3 ELSE name END,
					stripe_customer_synced_at = $4, updated_at = now()
				WHERE id = $1`, a.ID, c.StripeCustomerID, c.Name, c.freshness())
			if err != nil {
				return Account{}, mapErr("join customer to account", err)
			}
			return s.AccountByID(ctx, a.ID)
		}
		if err == nil {
			// The email belongs to an account with another Stripe customer (a
			// person who checked out twice as a guest): keep one account per
			// person by not claiming the email a second time.
			c.Email = ""
		} else if !errors.Is(err, ErrNotFound) {
			return Account{}, err
		}
	}
	var email *string
	if c.Email != "" {
		email = &c.Email
	}
	rows, _ = s.db.Query(ctx, `
		INSERT INTO accounts (email, name, stripe_customer_id, stripe_customer_synced_at) VALUES ($1, $2, $3, $4)
		RETURNING `+accountColumns, email, c.Name, c.StripeCustomerID, c.freshness())
	a, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Account])
	a.fill()
	return a, mapErr("insert customer account", err)
}

// AccountForEmail returns the account with this email, creating a buyer account
// for it when there is none (a payment that names an email but no customer).
func (s *Store) AccountForEmail(ctx context.Context, email, name string) (Account, error) {
	if err := s.LockKey(ctx, "email:"+lowerASCII(email)); err != nil {
		return Account{}, err
	}
	a, err := s.AccountByEmail(ctx, email)
	if !errors.Is(err, ErrNotFound) {
		return a, err
	}
	rows, _ := s.db.Query(ctx, `INSERT INTO accounts (email, name) VALUES ($1, $2) RETURNING `+accountColumns, email, name)
	a, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Account])
	a.fill()
	return a, mapErr("insert account for email", err)
}

// SellerUpsert is what a Stripe Connect account tells us.
type SellerUpsert struct {
	StripeAccountID string
	Email           string
	Name            string
}

// UpsertSeller records a Connect account as a seller account: by account ID, else
// by email, else new. Call it holding LockKey on the account ID.
func (s *Store) UpsertSeller(ctx context.Context, in SellerUpsert) (Account, error) {
	a, err := s.AccountByStripeAccount(ctx, in.StripeAccountID)
	if err == nil {
		_, err := s.db.Exec(ctx, `
			UPDATE accounts SET role = 'seller',
				name = CASE WHEN $2 <> '' THEN $2 ELSE name END,
				email = CASE WHEN email IS NULL AND $3 <> ''
					AND NOT EXISTS (SELECT 1 FROM accounts o WHERE lower(o.email) = lower($3)) THEN $3 ELSE email END,
				updated_at = now()
			WHERE id = $1`, a.ID, in.Name, in.Email)
		if err != nil {
			return Account{}, mapErr("update seller", err)
		}
		return s.AccountByID(ctx, a.ID)
	}
	if !errors.Is(err, ErrNotFound) {
		return Account{}, err
	}
	if in.Email != "" {
		a, err := s.AccountByEmail(ctx, in.Email)
		if err == nil && a.StripeAccountID == nil {
			_, err := s.db.Exec(ctx, `
				UPDATE accounts SET stripe_account_id = $2, role = 'seller',
					name = CASE WHEN name = '' THEN $3 ELSE name END, updated_at = now()
				WHERE id = $1`, a.ID, in.StripeAccountID, in.Name)
			if err != nil {
				return Account{}, mapErr("join seller to account", err)
			}
			return s.AccountByID(ctx, a.ID)
		}
		if err == nil {
			in.Email = ""
		} else if !errors.Is(err, ErrNotFound) {
			return Account{}, err
		}
	}
	var email *string
	if in.Email != "" {
		email = &in.Email
	}
	rows, _ := s.db.Query(ctx, `
		INSERT INTO accounts (email, name, role, stripe_account_id) VALUES ($1, $2, 'seller', $3)
		RETURNING `+accountColumns, email, in.Name, in.StripeAccountID)
	a, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Account])
	a.fill()
	return a, mapErr("insert seller account", err)
}

// SetPlanTier records an account's plan tier.
func (s *Store) SetPlanTier(ctx context.Context, id int64, tier string) error {
	_, err := s.db.Exec(ctx, `UPDATE accounts SET plan_tier = $2, updated_at = now() WHERE id = $1 AND plan_tier <> $2`, id, tier)
	return mapErr("set plan tier", err)
}

// RefreshPaymentState recomputes an account's payment state from its orders,
// subscriptions and disputes, and reports the old and new state.
func (s *Store) RefreshPaymentState(ctx context.Context, id int64) (from, to string, err error) {
	var f AccountFacts
	err = s.db.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM disputes WHERE account_id = $1 AND queue_state = 'open'),
			count(*) FILTER (WHERE s.status = 'past_due'),
			count(*) FILTER (WHERE s.status = 'active'),
			count(*) FILTER (WHERE s.status = 'canceled'),
			o.paid, o.total, o.refunded,
			o.pending + count(*) FILTER (WHERE s.status = 'pending'),
			(SELECT payment_state FROM accounts WHERE id = $1)
		FROM (SELECT
				count(*) FILTER (WHERE status IN ('paid', 'partially_refunded')) AS paid,
				count(*) FILTER (WHERE status <> 'failed') AS total,
				count(*) FILTER (WHERE status IN ('refunded', 'charged_back')) AS refunded,
				count(*) FILTER (WHERE status = 'pending') AS pending
			FROM orders WHERE buyer_account_id = $1) o
		LEFT JOIN subscriptions s ON s.account_id = $1
		GROUP BY o.paid, o.total, o.refunded, o.pending`, id).
		Scan(&f.OpenDisputes, &f.PastDueSubs, &f.ActiveSubs, &f.CanceledSubs, &f.PaidOrders, &f.Orders,
			&f.RefundedOrders, &f.PendingPayments, &from)
	if err != nil {
		return "", "", mapErr("account facts", err)
	}
	to = AccountPaymentState(f)
	if to != from {
		if _, err := s.db.Exec(ctx, `UPDATE accounts SET payment_state = $2, updated_at = now() WHERE id = $1`, id, to); err != nil {
			return "", "", mapErr("set payment state", err)
		}
	}
	return from, to, nil
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
