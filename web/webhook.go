package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// maxWebhookBody is the largest event body accepted; Stripe's events are far smaller.
const maxWebhookBody = 1 << 20

// stripeWebhook handles POST /webhooks/stripe: verify, store once, enqueue once.
// 200 when stored or already stored; 400 on a bad or stale signature or body;
// 503 with Retry-After when the database cannot store the event within the
// webhook's budget (WEBHOOK_DB_TIMEOUT), so Stripe retries.
func (s *Server) stripeWebhook(w http.ResponseWriter, r *http.Request) {
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
	// The signature is checked first: a correctly signed delivery is never
	// refused, whatever else comes from its address.
	if msg := s.verifySignature(body, r.Header.Get("Stripe-Signature")); msg != "" {
		if s.badSignatureThrottled(r) {
			s.metrics.webhooks.WithLabelValues("rate_limited").Inc()
			s.log.WarnContext(r.Context(), "stripe webhook refused", "reason", "rate_limited", "remote", clientIP(r))
			w.Header().Set("Retry-After", "60")
			writeJSONError(w, http.StatusTooManyRequests, "too many requests with bad signatures from this address; try again in a minute")
			return
		}
		s.refuse(r, "bad_signature")
		writeJSONError(w, http.StatusBadRequest, msg)
		return
	}
	// Everything the database does for this delivery, pool wait included,
	// fits in the budget: past it, Stripe is told to retry rather than kept
	// waiting (a locked table, an exhausted pool).
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.WebhookDBTimeout)
	defer cancel()
	res, err := s.ingest.Ingest(ctx, body, store.SourceWebhook, requestID(r.Context()))
	if errors.Is(err, jobs.ErrNotEvent) {
		s.refuse(r, "bad_body")
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	} else if err != nil {
		s.metrics.webhooks.WithLabelValues("error").Inc()
		msg := "could not store the event; Stripe will retry"
		if ctx.Err() != nil {
			msg = "the database did not store the event within " + s.cfg.WebhookDBTimeout.String() + "; Stripe will retry"
		}
		s.log.ErrorContext(r.Context(), "storing stripe event", "err", err, "budget", s.cfg.WebhookDBTimeout.String())
		w.Header().Set("Retry-After", "10")
		writeJSONError(w, http.StatusServiceUnavailable, msg)
		return
	}
	result := res.Status
	switch {
	case !res.New:
		result = "duplicate"
		// Counting is best effort: the duplicate is already acknowledged.
		if err := s.ack.CountWebhookRefusal(ctx, "duplicate"); err != nil {
			s.log.WarnContext(r.Context(), "counting duplicate", "err", err)
		}
	case res.Status == store.EventReceived:
		result = "stored"
	case res.Status == store.EventHeld:
		s.log.WarnContext(r.Context(), "stripe event held for API version", "event_id", res.ID, "api_version", res.APIVersion)
	}
	s.metrics.webhooks.WithLabelValues(result).Inc()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"received":true}`))
}

// badSignatureThrottled counts a bad signature against the client's address
// (and an IPv6 client's /64)
// (in Postgres, so every instance sees it) and reports whether the address
// has sent more than BadSignatureLimit in the last minute. Every failure
// counts, refused ones too, so an address that keeps sending them stays
// refused. When the database cannot say, the delivery is not throttled.
func (s *Server) badSignatureThrottled(r *http.Request) bool {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.WebhookDBTimeout)
	defer cancel()
	ip := clientIP(r)
	keys := []string{"webhook:badsig:" + ip}
	if net := clientNetwork(ip); net != ip {
		keys = append(keys, "webhook:badsig:"+net) // an IPv6 client's whole /64 counts as one
	}
	// Counted and decided in one step, so bad signatures sent at once are
	// decided one after another; every one counts, refused ones too.
	throttled := false
	_, _, err := s.store.TakeAttempt(ctx, time.Minute, keys, func(counts map[string]int) bool {
		throttled = slices.ContainsFunc(keys, func(k string) bool { return counts[k] >= s.cfg.BadSignatureLimit })
		return true
	})
	if err != nil {
		s.log.WarnContext(r.Context(), "counting a bad webhook signature", "err", err)
		return false
	}
	return throttled
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
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.WebhookDBTimeout)
	defer cancel()
	if err := s.store.CountWebhookRefusal(ctx, kind); err != nil {
		s.log.WarnContext(r.Context(), "counting refused webhook", "kind", kind, "err", err)
	}
	s.log.WarnContext(r.Context(), "stripe webhook refused", "reason", kind, "remote", clientIP(r))
}
