package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// ErrNotEvent is a body that is not a Stripe event: no evt_ ID, type or
// creation time, or text Postgres cannot store (a NUL byte).
var ErrNotEvent = errors.New("body is not a Stripe event (id evt_…, type, created)")

// Ingester is the one way a verified Stripe event enters the ledger, whether
// Stripe delivered it, reconciliation fetched it or the demo made it: it is
// stored once under its ID and, in the same transaction, its application is
// enqueued (or, for another API version, the held alert raised).
type Ingester struct {
	Store *store.Store
	// Dispatch raises the held-event alert; nil raises none.
	Dispatch *Dispatcher
	// Production is true when APP_ENV=production: only live-mode events apply.
	Production bool

	// lastNotify is when River's producers were last woken (unix nanoseconds).
	lastNotify atomic.Int64
	// notifies are the wake-ups in flight (Wait waits for them).
	notifies sync.WaitGroup
}

// Wait waits for the wake-ups of River's producers still in flight (each
// takes a second at most), so none outlives the server that started it. Call
// it once deliveries have stopped.
func (in *Ingester) Wait() { in.notifies.Wait() }

// notifyEvery spaces the wake-ups of River's producers, as River's own
// inserts do (its FetchCooldown); between them producers fetch anyway.
const notifyEvery = 20 * time.Millisecond

// Ingested is what Ingest did with one event.
type Ingested struct {
	ID, Type, APIVersion string
	// Status is the status the event was stored with: received (to apply),
	// held or ignored (LastError says why).
	Status, LastError string
	// New is false when the ledger already had the event (nothing changed).
	New bool
}

// Ingest stores one event whose signature (or origin) has been verified, once.
// It returns ErrNotEvent for a body that is not an event; any other error
// means nothing was stored and the caller should try again later. A broken
// connection is retried once: the ledger's unique ID makes that safe.
func (in *Ingester) Ingest(ctx context.Context, body []byte, source, requestID string) (Ingested, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || !env.valid() {
		return Ingested{}, ErrNotEvent
	}
	status, reason := Classify(in.Production, env.Type, env.APIVersion, env.Livemode)
	ev := store.NewEvent{
		ID: env.ID, Type: env.Type, APIVersion: env.APIVersion, Livemode: env.Livemode,
		Created: time.Unix(env.Created, 0).UTC(), StripeAccount: env.Account, ObjectID: env.Data.Object.ID,
		CustomerID: env.customerID(), Payload: body, Status: status, LastError: reason,
		RequestID: requestID, Source: source,
	}
	out := Ingested{ID: env.ID, Type: env.Type, APIVersion: env.APIVersion, Status: status, LastError: reason}
	if status == store.EventReceived {
		// The common case in one statement: the event and its job, or nothing.
		err := in.ingestReceived(ctx, ev, &out)
		return out, err
	}
	err := in.Store.InTxRetry(ctx, func(tx *store.Store) error {
		var err error
		if out.New, err = tx.InsertEvent(ctx, ev); err != nil || !out.New {
			return err
		}
		if status == store.EventHeld && in.Dispatch != nil {
			return in.Dispatch.Raise(ctx, tx, heldAlert(env.APIVersion, env.ID))
		}
		return nil
	})
	if err != nil {
		return Ingested{}, fmt.Errorf("ingest %s: %w", env.ID, err)
	}
	return out, nil
}

// ingestReceived stores an event to apply with its job in one statement
// (insertEventWithJob, riverjob.go: the row River's InsertTx would write; a
// broken connection is retried once), then wakes River's producers at most
// every notifyEvery.
func (in *Ingester) ingestReceived(ctx context.Context, ev store.NewEvent, out *Ingested) error {
	var err error
	if out.New, err = insertEventWithJob(ctx, in.Store, ev); err != nil {
		return fmt.Errorf("ingest %s: %w", ev.ID, err)
	}
	if now, last := time.Now().UnixNano(), in.lastNotify.Load(); out.New && now-last > int64(notifyEvery) && in.lastNotify.CompareAndSwap(last, now) {
		// Best effort, off the ack path: a lost wake-up costs a poll interval.
		in.notifies.Add(1)
		go func() {
			defer in.notifies.Done()
			nctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = notifyRiverInsert(nctx, in.Store, QueueEvents)
		}()
	}
	return nil
}

// envelope is the part of an event the ledger's columns hold; the worker
// decodes the rest.
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

// valid reports whether the envelope names an event the ledger can store.
func (e *envelope) valid() bool {
	if !strings.HasPrefix(e.ID, "evt_") || e.Type == "" || e.Created <= 0 {
		return false
	}
	for _, s := range []string{e.ID, e.Type, e.APIVersion, e.Account, e.Data.Object.ID, e.customerID()} {
		if strings.IndexByte(s, 0) >= 0 {
			return false
		}
	}
	return true
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

// heldAlert is the alert for events held because of their API version: one
// per version, counted per event.
func heldAlert(version, eventID string) store.NewAlert {
	return store.NewAlert{
		Kind: store.AlertEventHeld, Subject: "api_version:" + version, Severity: store.SeverityCritical,
		Message: "Stripe sends events with API version " + version + " but this build speaks " + SupportedAPIVersion +
			" (latest: " + eventID + "). Set the webhook endpoint's API version in Stripe, then replay the held events.",
	}
}
