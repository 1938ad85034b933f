package jobs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/form"

	"github.com/switchboardhq/switchboard/store"
)

// EventRetention is how far back Stripe's Events API lists events: a
// reconciliation never reaches further.
const EventRetention = 30 * 24 * time.Hour

// reconcilePageSize is the Events API's largest page.
const reconcilePageSize = 100

// Reconciler recovers events the webhook missed: it lists Stripe's events
// (the platform's, then each known seller's through Stripe-Account), newest
// first, page by page, and ingests those the ledger lacks through the
// webhook's own path (Ingester), marked as coming from reconciliation.
type Reconciler struct {
	// Stripe is the API client. Build it without stripe-go's own retries
	// (stripeapi.WithRetries(0)): the reconciler retries each page itself,
	// honouring Retry-After, and within ctx.
	Stripe *client.API
	Ingest *Ingester
	Store  *store.Store
	Logger *slog.Logger
	// Tries bounds the requests made for one page (5 when zero).
	Tries int
	// Backoff is the wait before the second try of a page after a 5xx or a
	// network error, doubled for each further try (1 s when zero); a 429 waits
	// its Retry-After instead, when Stripe sends one.
	Backoff time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// AccountReconciled is what reconciling one Stripe account did.
type AccountReconciled struct {
	// Account is the connected account (acct_…), "" for the platform.
	Account string
	store.ReconcileCounts
	// Err is why a page of this account could not be read (nil when all were).
	Err error
}

// Reconciled is what a run did.
type Reconciled struct {
	RunID int64
	// Since is the start of the window listed; Clamped says it was moved
	// forward to Stripe's 30-day retention.
	Since    time.Time
	Clamped  bool
	Accounts []AccountReconciled
	Total    store.ReconcileCounts
}

// ClampSince moves since forward to the oldest time Stripe still lists events
// for, and says whether it had to.
func ClampSince(since, now time.Time) (time.Time, bool) {
	if oldest := now.Add(-EventRetention); since.Before(oldest) {
		return oldest, true
	}
	return since, false
}

// Run reconciles the events created since then (clamped to Stripe's
// retention) and records the run, started by trigger (store.ReconcileCLI…).
// It returns what it did even when it fails; the error says which accounts
// had a page that could not be read after retries, or why it stopped.
func (r *Reconciler) Run(ctx context.Context, since time.Time, trigger string) (Reconciled, error) {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	out := Reconciled{}
	out.Since, out.Clamped = ClampSince(since, now)
	id, err := r.Store.StartReconcileRun(ctx, trigger, out.Since, out.Clamped)
	if err != nil {
		return out, err
	}
	out.RunID = id
	err = r.run(ctx, &out)
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	// The record is written even when ctx ended (a shutdown, the job's timeout).
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ferr := r.Store.FinishReconcileRun(fctx, id, len(out.Accounts), out.Total, errText); ferr != nil && err == nil {
		err = ferr
	}
	return out, err
}

func (r *Reconciler) run(ctx context.Context, out *Reconciled) error {
	connected, err := r.Store.ConnectedAccountIDs(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, acct := range append([]string{""}, connected...) {
		res := AccountReconciled{Account: acct}
		res.Err = r.account(ctx, out, &res)
		out.Accounts = append(out.Accounts, res)
		out.Total.Add(res.ReconcileCounts)
		if res.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", cmp.Or(acct, "platform"), res.Err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

// eventPage is one page of the Events API, each event kept as the raw JSON
// the ledger stores.
type eventPage struct {
	stripe.APIResource
	Data    []json.RawMessage `json:"data"`
	HasMore bool              `json:"has_more"`
}

// account lists one account's events page by page and ingests them.
func (r *Reconciler) account(ctx context.Context, run *Reconciled, res *AccountReconciled) error {
	after := ""
	for {
		page, err := r.page(ctx, res.Account, run.Since, after)
		if err != nil {
			return err
		}
		res.Pages++
		for _, raw := range page.Data {
			if err := r.ingest(ctx, run.RunID, res, raw); err != nil {
				return err
			}
			after = eventID(raw)
		}
		if !page.HasMore || len(page.Data) == 0 {
			return nil
		}
		if after == "" {
			return errors.New("the Events API answered a page whose last item has no id")
		}
	}
}

// ingest stores one listed event unless the ledger has it.
func (r *Reconciler) ingest(ctx context.Context, runID int64, res *AccountReconciled, raw json.RawMessage) error {
	res.Listed++
	body, err := withAccount(raw, res.Account)
	if err != nil {
		return err
	}
	in, err := r.Ingest.Ingest(ctx, body, store.SourceReconcile, fmt.Sprintf("reconcile:%d", runID))
	if errors.Is(err, ErrNotEvent) {
		return fmt.Errorf("the Events API listed something that is not an event: %.100s", raw)
	} else if err != nil {
		return err
	}
	if !in.New {
		res.Known++
		return nil
	}
	res.Added++
	switch in.Status {
	case store.EventHeld:
		res.Held++
	case store.EventIgnored:
		res.Ignored++
	}
	r.Logger.InfoContext(ctx, "reconcile: added a missed event", "event_id", in.ID, "type", in.Type,
		"status", in.Status, "stripe_account", res.Account)
	return nil
}

// withAccount sets a connected account's event's "account" when Stripe's
// listing left it out, as the webhook's body would carry it.
func withAccount(raw json.RawMessage, account string) ([]byte, error) {
	if account == "" {
		return raw, nil
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("the Events API listed something that is not an event: %.100s", raw)
	}
	var have string
	if v, ok := env["account"]; ok && json.Unmarshal(v, &have) == nil && have != "" {
		return raw, nil
	}
	env["account"], _ = json.Marshal(account)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <, > and & as Stripe sent them
	if err := enc.Encode(env); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func eventID(raw json.RawMessage) string {
	var e struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &e)
	return e.ID
}

// page fetches one page, retrying 429s, 5xx answers and network errors with
// backoff up to Tries requests.
func (r *Reconciler) page(ctx context.Context, account string, since time.Time, after string) (*eventPage, error) {
	tries := cmp.Or(r.Tries, 5)
	for try := 1; ; try++ {
		params := &stripe.EventListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: since.Unix()}}
		params.Context = ctx
		params.Limit = stripe.Int64(reconcilePageSize)
		if after != "" {
			params.StartingAfter = stripe.String(after)
		}
		if account != "" {
			params.SetStripeAccount(account)
		}
		// As stripe-go's own event list does it (Call cannot encode list
		// params), but keeping each event's raw JSON.
		query := &form.Values{}
		form.AppendTo(query, params)
		var page eventPage
		err := r.Stripe.Events.B.CallRaw(http.MethodGet, "/v1/events", r.Stripe.Events.Key, query, params.GetParams(), &page)
		if err == nil {
			return &page, nil
		}
		wait, retry := r.retryAfter(err, try)
		if !retry || try >= tries || ctx.Err() != nil {
			return nil, fmt.Errorf("listing events (try %d of %d): %w", try, tries, err)
		}
		r.Logger.WarnContext(ctx, "reconcile: Stripe's Events API failed; retrying", "stripe_account", account,
			"try", try, "wait", wait.String(), "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("listing events: %w (after %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// maxRetryAfter caps how long a Retry-After may make one page wait.
const maxRetryAfter = time.Minute

// retryAfter says whether a failed request may be retried and after how long:
// 429 (Retry-After when given), 409, 5xx and network errors are; other
// answers (a bad key, a bad parameter, an unknown account) are not.
func (r *Reconciler) retryAfter(err error, try int) (time.Duration, bool) {
	backoff := cmp.Or(r.Backoff, time.Second) << (try - 1)
	backoff += time.Duration(rand.Int64N(int64(backoff)/4 + 1)) // spread instances apart
	var serr *stripe.Error
	if !errors.As(err, &serr) {
		return backoff, true // the network, a timeout: Stripe may never have seen it
	}
	switch code := serr.HTTPStatusCode; {
	case code == http.StatusTooManyRequests:
		if serr.LastResponse != nil {
			if d, ok := parseRetryAfter(serr.LastResponse.Header.Get("Retry-After")); ok {
				return min(d, maxRetryAfter), true
			}
		}
		return backoff, true
	case code == http.StatusConflict, code >= 500:
		return backoff, true
	}
	return 0, false
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}
