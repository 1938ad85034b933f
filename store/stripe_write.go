package store

import "fmt"

// StripeWriteFailure is one failed attempt of a write to Stripe that the
// console asked for (a refund, dispute evidence): which attempt it was, of
// how many, and what Stripe said. Final means no attempt follows.
type StripeWriteFailure struct {
	Final       bool
	Attempt     int
	MaxAttempts int
	Code        string
	Message     string
	RequestID   string
}

// StripeAttempts is where a Stripe write stands while it retries: the
// attempts that failed so far and how many there will be.
type StripeAttempts struct {
	Attempts    int `db:"attempts"`
	MaxAttempts int `db:"max_attempts"`
}

// Retrying says, in the console's words, that the write has not reached
// Stripe yet and which attempt is on its way ("" before any attempt failed).
func (a StripeAttempts) Retrying() string {
	if a.Attempts == 0 || a.MaxAttempts == 0 {
		return ""
	}
	return fmt.Sprintf("Not sent yet: retrying (attempt %d of %d)", min(a.Attempts+1, a.MaxAttempts), a.MaxAttempts)
}
