package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/switchboardhq/switchboard/jobs/crm"
	"github.com/switchboardhq/switchboard/store"
)

// QueueCRM is the queue CRM syncs run on; its worker count bounds how hard
// Switchboard pushes on the CRM's rate limits.
const QueueCRM = "crm"

// CRMSyncArgs pushes one account to the CRM. It carries the account ID only;
// the worker reloads the account, so a burst of changes is one push.
type CRMSyncArgs struct {
	AccountID int64 `json:"account_id"`
}

// Kind is the stable job kind.
func (CRMSyncArgs) Kind() string { return "crm_sync" }

// InsertOpts: unique per account while pending (available, scheduled,
// retryable or running), so changes coalesce; a change made while a push is
// running is caught by the account's sync version (see Work).
func (CRMSyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueCRM, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{
		ByArgs: true, ByState: pendingStates,
	}}
}

// CRMSyncWorker upserts an account's contact into the CRM and keeps the
// account's sync status, attempts, last error and last sync true.
type CRMSyncWorker struct {
	river.WorkerDefaults[CRMSyncArgs]
	Store    *store.Store
	Logger   *slog.Logger
	CRM      crm.Client
	Dispatch *Dispatcher
	// Metrics, if set, gets each push's change-to-CRM time.
	Metrics Metrics
}

// Timeout bounds one push (a search, a create and an update at most).
func (w *CRMSyncWorker) Timeout(*river.Job[CRMSyncArgs]) time.Duration { return crmTimeout }

// Work pushes the account as it is now.
func (w *CRMSyncWorker) Work(ctx context.Context, job *river.Job[CRMSyncArgs]) error {
	id := job.Args.AccountID
	acct, err := w.Store.CRMWorkFor(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	c := crm.Contact{AccountID: acct.ID, Name: acct.Name, Role: acct.Role, PlanTier: acct.PlanTier, PaymentState: acct.PaymentState}
	if acct.Email != nil {
		c.Email = *acct.Email
	}
	if acct.CRMContactID != nil {
		c.ContactID = *acct.CRMContactID
	}
	contactID, err := w.CRM.Upsert(ctx, c)
	if err != nil {
		return w.failed(ctx, job, err)
	}
	// The push happened: record it even if the job's context is ending.
	rctx := context.WithoutCancel(ctx)
	// The job completes in the transaction that records the push. A change
	// committed before it sees this job as running (its own job is skipped as
	// a duplicate) and is caught by the version check; a change committed
	// after it waits for the account row, then sees the job completed and
	// enqueues a new one. Either way no change is left unpushed.
	var again bool
	err = w.Store.InTx(rctx, func(tx *store.Store) error {
		var err error
		if again, err = tx.CRMSyncSucceeded(rctx, id, acct.Version, contactID, w.CRM.Name()); err != nil {
			return err
		}
		// A call that works clears the CRM's alerts.
		if err := tx.ResolveAlert(rctx, store.AlertCRMUnavailable, w.CRM.Name(), store.AlertResolver, "The CRM answered again."); err != nil {
			return err
		}
		if err := tx.ResolveAlert(rctx, store.AlertCRMSyncFailed, fmt.Sprintf("account:%d", id), store.AlertResolver, "The account synced to the CRM."); err != nil {
			return err
		}
		if again {
			return nil
		}
		_, err = river.JobCompleteTx[*riverpgxv5.Driver](rctx, tx.Tx(), job)
		return err
	})
	if err != nil {
		return err
	}
	if w.Metrics != nil && acct.DirtySince != nil {
		w.Metrics.CRMSynced(w.CRM.Name(), time.Since(*acct.DirtySince))
	}
	if again {
		// The account changed while this push was in flight; the unique job
		// kept the change from getting its own job, so push once more.
		return river.JobSnooze(0)
	}
	return nil
}

// failed records a failed push and decides between snoozing, retrying and
// giving up, raising the alert each case calls for.
func (w *CRMSyncWorker) failed(ctx context.Context, job *river.Job[CRMSyncArgs], err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	rctx := context.WithoutCancel(ctx)
	id := job.Args.AccountID
	e := crm.AsError(err)
	provider := w.CRM.Name()
	switch e.Kind {
	case crm.RateLimited:
		if rerr := w.Store.CRMWaiting(rctx, id, "rate limited by the CRM; waiting "+e.RetryAfter.String()); rerr != nil {
			return rerr
		}
		return river.JobSnooze(e.RetryAfter)
	case crm.Auth:
		w.Logger.ErrorContext(ctx, "crm refuses the credential; not retrying", "provider", provider, "account_id", id, "err", e)
		return w.record(rctx, id, e, true, store.NewAlert{
			Kind: store.AlertBadCredential, Subject: provider, Severity: store.SeverityCritical,
			Message: fmt.Sprintf("The %s credential is refused (%s): fix it, then retry the failed CRM syncs from the console.", provider, e),
		}, river.JobCancel(e))
	case crm.Rejected:
		w.Logger.ErrorContext(ctx, "crm rejects the contact; not retrying", "provider", provider, "account_id", id, "err", e)
		return w.record(rctx, id, e, true, store.NewAlert{
			Kind: store.AlertCRMRejected, Subject: fmt.Sprintf("account:%d", id),
			Message: fmt.Sprintf("%s rejected account %d's contact: %s", provider, id, e),
		}, river.JobCancel(e))
	}
	if job.Attempt >= job.MaxAttempts {
		return w.record(rctx, id, e, true, store.NewAlert{
			Kind: store.AlertCRMSyncFailed, Subject: fmt.Sprintf("account:%d", id), Severity: store.SeverityCritical,
			Message: fmt.Sprintf("Account %d did not reach %s after %d attempts: %s", id, provider, job.Attempt, e),
		}, e)
	}
	return w.record(rctx, id, e, false, store.NewAlert{
		Kind: store.AlertCRMUnavailable, Subject: provider,
		Message: fmt.Sprintf("Calls to %s are failing (%s); syncs are retried with backoff.", provider, e),
	}, e)
}

// record writes the failure on the account and raises its alert in one
// transaction, then returns result for River.
func (w *CRMSyncWorker) record(ctx context.Context, id int64, e *crm.Error, final bool, a store.NewAlert, result error) error {
	err := w.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CRMSyncFailed(ctx, id, e.Error(), final); err != nil {
			return err
		}
		return w.Dispatch.Raise(ctx, tx, a)
	})
	if err != nil {
		return err
	}
	return result
}
