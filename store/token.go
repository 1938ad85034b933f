package store

import (
	"slices"
	"time"
)

// API token scopes: what a token may do on the JSON API and /metrics.
const (
	ScopeTicketsWrite = "tickets:write" // POST /api/v1/tickets (the contact form)
	ScopeSignupsWrite = "signups:write" // POST /api/v1/signups
	ScopeRead         = "read"          // every GET under /api/v1
	ScopeMetrics      = "metrics"       // GET /metrics
)

// Scopes are every scope, in the order they are shown. Tokens made before
// scopes existed hold all of them.
var Scopes = []string{ScopeTicketsWrite, ScopeSignupsWrite, ScopeRead, ScopeMetrics}

// ValidScope reports whether s is a token scope.
func ValidScope(s string) bool { return slices.Contains(Scopes, s) }

// APIToken is a bearer token for the JSON API (its hash only is stored).
type APIToken struct {
	ID         int64      `db:"id"`
	Name       string     `db:"name"`
	Scopes     []string   `db:"scopes"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

// Allows reports whether the token holds scope.
func (t APIToken) Allows(scope string) bool { return slices.Contains(t.Scopes, scope) }
