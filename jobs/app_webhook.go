package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/jobs/crm"
	"github.com/switchboardhq/switchboard/store"
)

// AppWebhook is where Switchboard's own events go (APP_WEBHOOK_URL), signed
// under APP_WEBHOOK_SECRET like the CRM webhook.
type AppWebhook struct {
	URL, Secret string
}

// App webhook event types (DESIGN.md).
const (
	AppOrderPaid              = "order.paid"
	AppOrderFailed            = "order.failed"
	AppOrderRefunded          = "order.refunded"
	AppOrderPartiallyRefunded = "order.partially_refunded"
	AppOrderDisputed          = "order.disputed"
	AppOrderChargedBack       = "order.charged_back"
	AppPaymentStateChanged    = "account.payment_state_changed"
)

// appOrderEvents maps an order's new status to the app's event.
var appOrderEvents = map[string]string{
	store.OrderPaid: AppOrderPaid, store.OrderFailed: AppOrderFailed, store.OrderRefunded: AppOrderRefunded,
	store.OrderPartiallyRefunded: AppOrderPartiallyRefunded, store.OrderDisputed: AppOrderDisputed,
	store.OrderChargedBack: AppOrderChargedBack,
}

// appRetryFor is how long a delivery is retried before it fails for good.
const appRetryFor = 72 * time.Hour

// appEventID is an app event's ID: the same for the same change (a replayed
// Stripe event makes no second one), different for each change.
func appEventID(typ, object, cause string) string {
	h := sha256.Sum256([]byte(typ + "|" + object + "|" + cause))
	return "sbe_" + hex.EncodeToString(h[:12])
}

// appBody is what the app receives. Version is the object's updated_at in
// microseconds: deliveries of one object may arrive out of order (retries),
// so the app keeps the highest version it has seen.
type appBody struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Version int64  `json:"version"`
	Data    any    `json:"data"`
}

// appEvents records the app's events for what an applied event changed and
// enqueues their deliveries, in its transaction.
func (d *Dispatcher) appEvents(ctx context.Context, tx *store.Store, fx *Effects) error {
	if d.app.URL == "" {
		return nil
	}
	for _, o := range fx.Orders {
		typ, ok := appOrderEvents[o.To]
		if !ok || o.To == o.From {
			continue
		}
		order, err := tx.OrderByID(ctx, o.OrderID)
		if err != nil {
			return err
		}
		obj := fmt.Sprintf("order:%d", o.OrderID)
		if err := d.appEvent(ctx, tx, typ, obj, fx.EventID, order.UpdatedAt, order); err != nil {
			return err
		}
	}
	for _, id := range fx.AccountIDs() {
		_, changed, err := tx.AppPaymentStateChange(ctx, id)
		if err != nil {
			return err
		}
		if !changed {
			continue
		}
		a, err := tx.AccountByID(ctx, id)
		if err != nil {
			return err
		}
		if err := d.appEvent(ctx, tx, AppPaymentStateChanged, fmt.Sprintf("account:%d", id), fx.EventID+"|"+a.PaymentState, a.UpdatedAt, a); err != nil {
			return err
		}
	}
	return nil
}

// appEvent writes one event for the app and enqueues its delivery.
func (d *Dispatcher) appEvent(ctx context.Context, tx *store.Store, typ, object, cause string, version time.Time, data any) error {
	id := appEventID(typ, object, cause)
	body, err := json.Marshal(appBody{ID: id, Type: typ, Created: time.Now().Unix(), Version: version.UnixMicro(), Data: data})
	if err != nil {
		return fmt.Errorf("app event %s: %w", typ, err)
	}
	did, created, err := tx.CreateAppDelivery(ctx, id, typ, object, body)
	if err != nil || !created {
		return err
	}
	if _, err := d.jobs.InsertTx(ctx, tx.Tx(), AppWebhookArgs{DeliveryID: did}, nil); err != nil {
		return fmt.Errorf("enqueue app delivery: %w", err)
	}
	return nil
}

// Redeliver puts a delivery back on the queue (the console's "redeliver").
func (d *Dispatcher) Redeliver(ctx context.Context, tx *store.Store, id int64, round int) error {
	if err := tx.RedeliverApp(ctx, id); err != nil {
		return err
	}
	_, err := d.jobs.InsertTx(ctx, tx.Tx(), AppWebhookArgs{DeliveryID: id, Round: round}, nil)
	return err
}

// AppWebhookArgs delivers one event to the app.
type AppWebhookArgs struct {
	DeliveryID int64 `json:"app_delivery_id"`
	// Round counts redeliveries from the console, so each is a job of its own.
	Round int `json:"round,omitempty"`
}

// Kind is the stable job kind.
func (AppWebhookArgs) Kind() string { return "app_webhook" }

// InsertOpts: one job per delivery and round; attempts are bounded by
// appRetryFor, not by their number.
func (AppWebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 200, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// AppWebhookWorker POSTs an event to the app. 2xx delivers it; a 4xx other
// than 408 and 429 is the app refusing it for good (alerted); anything else
// is retried with backoff for appRetryFor, then alerted.
type AppWebhookWorker struct {
	river.WorkerDefaults[AppWebhookArgs]
	Store    *store.Store
	Logger   *slog.Logger
	HTTP     *http.Client
	App      AppWebhook
	Dispatch *Dispatcher
}

// Timeout bounds one attempt.
func (w *AppWebhookWorker) Timeout(*river.Job[AppWebhookArgs]) time.Duration { return alertTimeout }

// NextRetry backs off from 2 s to an hour.
func (w *AppWebhookWorker) NextRetry(job *river.Job[AppWebhookArgs]) time.Time {
	return time.Now().Add(min(time.Duration(1<<min(job.Attempt, 12))*time.Second, time.Hour))
}

// Work makes one attempt.
func (w *AppWebhookWorker) Work(ctx context.Context, job *river.Job[AppWebhookArgs]) error {
	d, err := w.Store.AppDeliveryByID(ctx, job.Args.DeliveryID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	if d.Status != store.AppDeliveryPending || w.App.URL == "" {
		return nil // delivered, or failed for good: a redelivery makes it pending again
	}
	status, excerpt, err := w.post(ctx, []byte(d.Payload))
	a := store.AppAttempt{Status: status, Excerpt: excerpt}
	permanent := status != nil && *status >= 400 && *status < 500 && *status != http.StatusRequestTimeout && *status != http.StatusTooManyRequests
	switch {
	case err == nil:
		return w.Store.RecordAppAttempt(context.WithoutCancel(ctx), d.ID, a)
	case permanent:
		a.Error, a.Final = err.Error(), true
	default:
		a.Error, a.Final = err.Error(), time.Since(d.CreatedAt) > appRetryFor
	}
	rctx := context.WithoutCancel(ctx)
	if rerr := w.Store.InTx(rctx, func(tx *store.Store) error {
		if err := tx.RecordAppAttempt(rctx, d.ID, a); err != nil || !a.Final || w.Dispatch == nil {
			return err
		}
		return w.Dispatch.Raise(rctx, tx, store.NewAlert{Kind: store.AlertAppWebhookFailed, Subject: fmt.Sprintf("app_delivery:%d", d.ID),
			Severity: store.SeverityCritical, Message: fmt.Sprintf("The marketplace app did not take %s %s (%s): %s. Fix the receiver, then redeliver it from the deliveries page.",
				d.Type, d.EventID, d.Object, err)})
	}); rerr != nil {
		return rerr
	}
	if a.Final {
		w.Logger.Warn("app webhook failed for good", "delivery", d.ID, "type", d.Type, "err", err)
		return river.JobCancel(err)
	}
	return fmt.Errorf("app delivery %d: %w", d.ID, err)
}

// post sends the body signed; err is nil only for a 2xx.
func (w *AppWebhookWorker) post(ctx context.Context, body []byte) (*int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.App.URL, bytes.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Switchboard")
	req.Header.Set(crm.SignatureHeader, crm.Sign(w.App.Secret, time.Now(), body))
	res, err := w.HTTP.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("the app did not answer: %w", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 500))
	status := res.StatusCode
	if status < 200 || status > 299 {
		return &status, string(b), fmt.Errorf("the app answered %d", status)
	}
	return &status, string(b), nil
}

// AppOn reports whether an app webhook is set up.
func (d *Dispatcher) AppOn() bool { return d.app.URL != "" }
