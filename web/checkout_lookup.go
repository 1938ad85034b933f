package web

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// lookupEvery is how often one session may be looked up at Stripe per
// instance: the success page polls every second or two, Stripe need not.
const lookupEvery = 3 * time.Second

// lookupWait is how long a lookup waits for the workers to apply what
// Stripe said before answering from the ledger (the next poll sees the rest).
const lookupWait = 2 * time.Second

// lookupThrottle remembers when each session was last looked up.
type lookupThrottle struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// allow reports whether id may be looked up now, and records it.
func (l *lookupThrottle) allow(id string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last = map[string]time.Time{}
	}
	if t, ok := l.last[id]; ok && now.Sub(t) < lookupEvery {
		return false
	}
	if len(l.last) > 10_000 {
		for k, t := range l.last {
			if now.Sub(t) > lookupEvery {
				delete(l.last, k)
			}
		}
	}
	l.last[id] = now
	return true
}

// lookUpCheckout asks Stripe about a session the ledger has no order for:
// what Stripe says is ingested as an event of our own (source lookup) and
// applied by the workers like a webhook's, and the answer is read from the
// ledger again. Stripe not knowing the session makes it unknown; Stripe
// unreachable leaves it pending (the page polls again).
func (s *Server) lookUpCheckout(ctx context.Context, cs store.CheckoutSession) (store.CheckoutSession, error) {
	body, err := s.cfg.Checkouts.Event(ctx, cs.ID)
	switch {
	case errors.Is(err, jobs.ErrNoSuchSession):
		cs.Status = store.CheckoutUnknown
		return cs, nil
	case err != nil:
		s.log.WarnContext(ctx, "checkout session lookup", "checkout_session", cs.ID, "err", err)
		return cs, nil
	case body == nil:
		return cs, nil // still open at Stripe
	}
	res, err := s.ingest.Ingest(ctx, body, store.SourceLookup, requestID(ctx))
	if err != nil {
		return cs, err
	}
	deadline := time.Now().Add(lookupWait)
	for res.Status == store.EventReceived && time.Now().Before(deadline) {
		ev, err := s.store.EventByID(ctx, res.ID)
		if err != nil || ev.Status != store.EventReceived || ev.Attempts > 0 {
			break
		}
		select {
		case <-ctx.Done():
			return cs, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
	return s.store.CheckoutSessionByID(ctx, cs.ID)
}
