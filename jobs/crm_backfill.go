package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/store"
)

// CRMBackfillPerSecond is how many syncs a backfill schedules a second. A
// sync is at most three HubSpot calls (search, create or update, and rarely
// a property check); HubSpot lets a private app make 100 calls in 10 s, so 2
// syncs a second (60 calls in 10 s) leaves room for live changes.
const CRMBackfillPerSecond = 2

// crmBackfillBatch is how many accounts one transaction schedules.
const crmBackfillBatch = 200

// ErrCRMOff is returned when a backfill is asked for with CRM_PROVIDER=none.
var ErrCRMOff = errors.New("CRM_PROVIDER is none: there is no CRM to backfill")

// CRMOn reports whether a CRM is configured.
func (d *Dispatcher) CRMOn() bool { return d.crm != "" }

// Backfill schedules a CRM sync for every account backfill b covers, spread
// at CRMBackfillPerSecond from now, in batches, recording how many it has
// scheduled; progress, if set, hears after each batch. Accounts with a sync
// already pending keep it (a sync is unique per account while pending).
func (d *Dispatcher) Backfill(ctx context.Context, st *store.Store, b store.CRMBackfill, progress func(enqueued, total int)) (int, error) {
	if d.crm == "" {
		return 0, ErrCRMOff
	}
	start, n := time.Now(), b.Enqueued
	var after int64
	for {
		ids, err := st.CRMBackfillBatch(ctx, b.ID, after, crmBackfillBatch)
		if err != nil {
			return n, err
		}
		err = st.InTx(ctx, func(tx *store.Store) error {
			for i, id := range ids {
				at := start.Add(time.Duration(n+i) * time.Second / CRMBackfillPerSecond)
				if err := d.accountChanged(ctx, tx, id, time.Now(), &river.InsertOpts{ScheduledAt: at}); err != nil {
					return err
				}
			}
			return tx.CRMBackfillEnqueued(ctx, b.ID, n+len(ids), len(ids) < crmBackfillBatch)
		})
		if err != nil {
			return n, err
		}
		n += len(ids)
		if progress != nil {
			progress(n, b.Total)
		}
		if len(ids) < crmBackfillBatch {
			return n, nil
		}
		after = ids[len(ids)-1]
	}
}

// CRMBackfillArgs runs one backfill (the console's button).
type CRMBackfillArgs struct {
	BackfillID int64 `json:"crm_backfill_id"`
}

// Kind is the stable job kind.
func (CRMBackfillArgs) Kind() string { return "crm_backfill" }

// InsertOpts: one job per backfill.
func (CRMBackfillArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// CRMBackfillWorker schedules a backfill's syncs. Running it again schedules
// only the accounts still not synced (the rest are skipped or pending).
type CRMBackfillWorker struct {
	river.WorkerDefaults[CRMBackfillArgs]
	Store    *store.Store
	Logger   *slog.Logger
	Dispatch *Dispatcher
}

// Timeout bounds one run (batches of inserts, no outside calls).
func (w *CRMBackfillWorker) Timeout(*river.Job[CRMBackfillArgs]) time.Duration { return maxJobTimeout }

// Work schedules the syncs.
func (w *CRMBackfillWorker) Work(ctx context.Context, job *river.Job[CRMBackfillArgs]) error {
	b, err := w.Store.CRMBackfillByID(ctx, job.Args.BackfillID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	n, err := w.Dispatch.Backfill(ctx, w.Store, b, nil)
	if errors.Is(err, ErrCRMOff) {
		w.Logger.Warn("crm backfill with no CRM", "backfill", b.ID)
		return river.JobCancel(err)
	}
	if err == nil {
		w.Logger.Info("crm backfill scheduled", "backfill", b.ID, "syncs", n)
	}
	return err
}

// CRMName is the configured CRM's name ("" when none).
func (d *Dispatcher) CRMName() string { return d.crm }
