package jobs

import (
	"context"
	"errors"

	"github.com/switchboardhq/switchboard/store"
)

// DryRun is what replaying an event would do, found by applying it for real
// inside a transaction that is then rolled back: nothing is kept.
type DryRun struct {
	// Status is the status the event would end in (processed or ignored).
	Status string
	// Effects is what would change; nil when applying would fail.
	Effects *Effects
	// Jobs are the follow-up jobs the apply would enqueue, including the ones
	// River would skip because a job with the same unique key exists.
	Jobs []store.TxJob
	// Failure is the error applying would fail with ("" when it would apply).
	Failure string
}

// errRollback ends a dry run's transaction.
var errRollback = errors.New("dry run: roll back")

// DryRun applies a stored event as a replay would, reports what changed and
// which jobs were enqueued, and rolls everything back. A missing event is
// store.ErrNotFound; an event whose apply fails gives a DryRun with Failure.
func (w *StripeEventWorker) DryRun(ctx context.Context, id string) (DryRun, error) {
	var out DryRun
	err := w.Store.InTx(ctx, func(tx *store.Store) error {
		tx = tx.DryRun() // consumes no order number
		status, fx, err := w.applyTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		jobs, err := tx.JobsWrittenInTx(ctx)
		if err != nil {
			return err
		}
		out = DryRun{Status: status, Effects: fx, Jobs: jobs}
		return errRollback
	})
	switch {
	case errors.Is(err, errRollback):
		return out, nil
	case errors.Is(err, store.ErrNotFound), ctx.Err() != nil:
		return DryRun{}, err
	}
	return DryRun{Status: store.EventFailed, Failure: err.Error()}, nil
}
