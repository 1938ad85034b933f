// Package crm pushes Switchboard's accounts to a CRM: HubSpot's contacts API,
// or a signed JSON webhook for Zapier, Make, n8n or a founder's own endpoint.
// Only the CRM sync worker uses it.
package crm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Contact is what Switchboard tells the CRM about one account.
type Contact struct {
	AccountID    int64  `json:"account_id"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	PlanTier     string `json:"plan_tier"`
	PaymentState string `json:"payment_state"`
	// ContactID is the CRM's ID for the contact when Switchboard already knows it.
	ContactID string `json:"contact_id,omitempty"`
}

// Client upserts contacts into one CRM.
type Client interface {
	// Upsert creates or updates the contact and returns the CRM's ID for it
	// (empty when the CRM does not return one).
	Upsert(ctx context.Context, c Contact) (contactID string, err error)
	// Name names the provider in statuses and alerts ("hubspot", "webhook").
	Name() string
}

// Kind classifies a failed call by what the caller should do about it.
type Kind int

const (
	// Transient failures (5xx, timeouts, connection errors) are retried with backoff.
	Transient Kind = iota
	// RateLimited calls wait RetryAfter and try again without counting an attempt.
	RateLimited
	// Auth failures (401, 403) mean the credential is wrong: retrying cannot help.
	Auth
	// Rejected calls (other 4xx) will be rejected again: retrying cannot help.
	Rejected
)

// Error is a failed CRM call. Its message never contains the credential.
type Error struct {
	Kind       Kind
	Status     int // HTTP status, 0 for a network failure
	RetryAfter time.Duration
	Msg        string
	// Code is the CRM's own error code when it gives one (HubSpot's
	// PROPERTY_DOESNT_EXIST, INVALID_OPTION…).
	Code string
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return e.Msg
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Msg)
}

// AsError returns err's *Error, treating anything else as transient.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Transient, Msg: err.Error()}
}

// classify turns an HTTP failure status into an *Error.
func classify(status int, h http.Header, msg string) *Error {
	e := &Error{Status: status, Msg: msg}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind, e.RetryAfter = RateLimited, retryAfter(h, 10*time.Second)
	case status == http.StatusServiceUnavailable && h.Get("Retry-After") != "":
		e.Kind, e.RetryAfter = RateLimited, retryAfter(h, 10*time.Second)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = Auth
	case status == http.StatusRequestTimeout || status >= 500:
		e.Kind = Transient
	default:
		e.Kind = Rejected
	}
	return e
}

// retryAfter reads Retry-After in seconds or as an HTTP date, capped at an hour.
func retryAfter(h http.Header, def time.Duration) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return def
	}
	d := def
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, 0), time.Hour)
}

// netError wraps a transport failure (timeout, refused connection) as transient.
func netError(op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	// A *url.Error repeats the URL, which for a webhook may hold a secret path.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "Client.Timeout") {
		msg = "timed out"
	}
	return &Error{Kind: Transient, Msg: op + ": " + msg}
}

// readSmall reads at most 64 KiB of a response body.
func readSmall(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return b
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
