package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/switchboardhq/switchboard/store"
)

// Deps is what the workers need.
type Deps struct {
	Store     *store.Store
	Logger    *slog.Logger
	FollowUps FollowUps
}

// Options tune the River client.
type Options struct {
	// Work starts workers; false gives an insert-only client (for commands).
	Work bool
	// EventWorkers is how many events are applied at once per instance.
	EventWorkers int
}

// NewClient builds the River client over pool, with every worker registered.
func NewClient(pool *pgxpool.Pool, d Deps, o Options) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &StripeEventWorker{Store: d.Store, Logger: d.Logger, FollowUps: d.FollowUps})
	cfg := &river.Config{
		Workers:      workers,
		Logger:       d.Logger.With("component", "river"),
		ErrorHandler: &errorHandler{log: d.Logger},
		// Completed jobs are kept a day for the console; failures longer.
		CompletedJobRetentionPeriod: 24 * time.Hour,
		FetchCooldown:               20 * time.Millisecond,
	}
	if o.Work {
		n := o.EventWorkers
		if n <= 0 {
			n = 8
		}
		cfg.Queues = map[string]river.QueueConfig{
			QueueEvents:        {MaxWorkers: n},
			river.QueueDefault: {MaxWorkers: 16},
		}
	}
	return river.NewClient(riverpgxv5.New(pool), cfg)
}

// NewEventWorker returns the event worker for applying events in-process
// (the replay command).
func NewEventWorker(d Deps) *StripeEventWorker {
	return &StripeEventWorker{Store: d.Store, Logger: d.Logger, FollowUps: d.FollowUps}
}

type errorHandler struct{ log *slog.Logger }

func (h *errorHandler) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	lvl := slog.LevelWarn
	if job.Attempt >= job.MaxAttempts {
		lvl = slog.LevelError
	}
	h.log.Log(ctx, lvl, "job failed", "kind", job.Kind, "job_id", job.ID, "attempt", job.Attempt,
		"max_attempts", job.MaxAttempts, "err", err)
	return nil
}

func (h *errorHandler) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, trace string) *river.ErrorHandlerResult {
	h.log.ErrorContext(ctx, "job panicked", "kind", job.Kind, "job_id", job.ID, "attempt", job.Attempt,
		"panic", panicVal, "trace", trace)
	return nil
}
