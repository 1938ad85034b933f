package web

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// maxWebhookBody is the largest event body accepted; Stripe's events are far smaller.
const maxWebhookBody = 1 << 20

// envelope is the part of an event the endpoint reads; the worker decodes the rest.
type envelope struct {
	ID         string `json:"id"`
	Object     string `json:"object"`
	Type       string `json:"type"`
	APIVersion string `json:"api_version"`
	Livemode   bool   `json:"livemode"`
	Created    int64  `json:"created"`
	Account    string `json:"account"`
	Data       struct {
		Object struct {
			ID       string          `json:"id"`
			Object   string          `json:"object"`
			Customer json.RawMessage `json:"customer"`
		} `json:"object"`
	} `json:"data"`
}

// customerID reads data.object.customer, a string or an expanded object.
func (e *envelope) customerID() string {
	if e.Data.Object.Object == "customer" {
		return e.Data.Object.ID
	}
	c := e.Data.Object.Customer
	if len(c) == 0 || string(c) == "null" {
		return ""
	}
	var id string
	if json.Unmarshal(c, &id) == nil {
		return id
	}
	var obj struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(c, &obj)
	return obj.ID
}

// stripeWebhook handles POST /webhooks/stripe: verify, store once, enqueue once.
// 200 when stored or already stored; 400 on a bad or stale signature or body;
// 5xx only when the database fails, so Stripe retries.
func (s *Server) stripeWebhook(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r)
	// Status reports true while the address is under its limit.
	if ok, _, err := s.badSig.Status(ip); err == nil && !ok {
		s.metrics.webhooks.WithLabelValues("rate_limited").Inc()
		w.Header().Set("Retry-After", "60")
		writeJSONError(w, http.StatusTooManyRequests, "too many requests with bad signatures from this address")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.metrics.webhooks.WithLabelValues("too_large").Inc()
			writeJSONError(w, http.StatusRequestEntityTooLarge, "body is larger than 1 MiB")
			return
		}
		writeJSONError(w, http.StatusBadRequest, "could not read body")
		return
	}
	if msg := s.verifySignature(body, r.Header.Get("Stripe-Signature")); msg != "" {
		s.badSig.OnLimit(w, r, ip)
		s.refuse(r, "bad_signature")
		writeJSONError(w, http.StatusBadRequest, msg)
		return
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || !strings.HasPrefix(env.ID, "evt_") || env.Type == "" || env.Created <= 0 {
		s.refuse(r, "bad_body")
		writeJSONError(w, http.StatusBadRequest, "body is not a Stripe event (id evt_…, type, created)")
		return
	}
	status, reason := jobs.Classify(s.cfg.Production, env.Type, env.APIVersion, env.Livemode)
	ev := store.NewEvent{
		ID: env.ID, Type: env.Type, APIVersion: env.APIVersion, Livemode: env.Livemode,
		Created: time.Unix(env.Created, 0).UTC(), StripeAccount: env.Account, ObjectID: env.Data.Object.ID,
		CustomerID: env.customerID(), Payload: body, Status: status, LastError: reason, RequestID: requestID(r.Context()),
	}
	var inserted bool
	err = s.store.InTx(r.Context(), func(tx *store.Store, pgxTx pgx.Tx) error {
		var err error
		if inserted, err = tx.InsertEvent(r.Context(), ev); err != nil || !inserted {
			return err
		}
		if status == store.EventHeld && s.cfg.Dispatch != nil {
			return s.cfg.Dispatch.Raise(r.Context(), tx, pgxTx, heldAlert(env.APIVersion, env.ID))
		}
		if status != store.EventReceived {
			return nil
		}
		_, err = s.jobs.InsertTx(r.Context(), pgxTx, jobs.StripeEventArgs{EventID: env.ID}, nil)
		return err
	})
	if err != nil {
		s.metrics.webhooks.WithLabelValues("error").Inc()
		s.log.ErrorContext(r.Context(), "storing stripe event", "event_id", env.ID, "err", err)
		writeJSONError(w, http.StatusServiceUnavailable, "could not store the event; Stripe will retry")
		return
	}
	result := status
	switch {
	case !inserted:
		result = "duplicate"
		// Counting is best effort: the duplicate is already acknowledged.
		if err := s.store.CountWebhookRefusal(r.Context(), "duplicate"); err != nil {
			s.log.WarnContext(r.Context(), "counting duplicate", "err", err)
		}
	case status == store.EventReceived:
		result = "stored"
	case status == store.EventHeld:
		s.log.WarnContext(r.Context(), "stripe event held for API version", "event_id", env.ID, "api_version", env.APIVersion)
	}
	s.metrics.webhooks.WithLabelValues(result).Inc()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"received":true}`))
}

// verifySignature checks the Stripe-Signature header against every configured
// secret; it returns "" when one matches, else what is wrong.
func (s *Server) verifySignature(body []byte, header string) string {
	if len(s.cfg.WebhookSecrets) == 0 {
		return "no webhook secret is configured"
	}
	if header == "" {
		return "missing Stripe-Signature header"
	}
	// stripe-go refuses old timestamps; we also refuse ones too far ahead.
	if ts, ok := signatureTime(header); !ok {
		return "Stripe-Signature header has no timestamp"
	} else if time.Until(ts) > s.cfg.WebhookTolerance {
		return "signature timestamp is in the future"
	}
	var err error
	for _, secret := range s.cfg.WebhookSecrets {
		if err = webhook.ValidatePayloadWithTolerance(body, header, secret, s.cfg.WebhookTolerance); err == nil {
			return ""
		}
	}
	if errors.Is(err, webhook.ErrTooOld) {
		return "signature timestamp is too old"
	}
	return "invalid signature"
}

func signatureTime(header string) (time.Time, bool) {
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			return time.Unix(n, 0), err == nil
		}
	}
	return time.Time{}, false
}

// refuse counts a refused delivery, in Prometheus and in the database (the
// console's overview reads the latter).
func (s *Server) refuse(r *http.Request, kind string) {
	s.metrics.webhooks.WithLabelValues(kind).Inc()
	if err := s.store.CountWebhookRefusal(r.Context(), kind); err != nil {
		s.log.WarnContext(r.Context(), "counting refused webhook", "kind", kind, "err", err)
	}
	s.log.WarnContext(r.Context(), "stripe webhook refused", "reason", kind, "remote", clientIP(r))
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// heldAlert is the alert for events held because of their API version: one
// per version, counted per event.
func heldAlert(version, eventID string) store.NewAlert {
	return store.NewAlert{
		Kind: store.AlertEventHeld, Subject: "api_version:" + version, Severity: store.SeverityCritical,
		Message: "Stripe sends events with API version " + version + " but this build speaks " + jobs.SupportedAPIVersion +
			" (latest: " + eventID + "). Set the webhook endpoint's API version in Stripe, then replay the held events.",
	}
}
