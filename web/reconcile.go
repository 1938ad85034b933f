package web

import (
	"fmt"
	"net/http"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// reconcileData gathers the events page's missed-events panel: the last
// finished run, and whether one is queued or running.
func (s *Server) reconcileData(r *http.Request) (views.ReconcileData, error) {
	ctx := r.Context()
	d := views.ReconcileData{Enabled: s.cfg.Reconcile, CanFetch: currentUser(ctx).Role == store.UserAdmin,
		WindowHours: int(jobs.ConsoleReconcileWindow.Hours())}
	runs, err := s.store.ReconcileRuns(ctx, 5)
	if err != nil {
		return d, err
	}
	for i := range runs {
		if runs[i].FinishedAt != nil {
			d.Last = &runs[i]
			break
		}
	}
	res, err := s.jobs.JobList(ctx, river.NewJobListParams().Kinds(jobs.ReconcileArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled).First(1))
	if err != nil {
		return d, fmt.Errorf("pending reconcile jobs: %w", err)
	}
	d.Pending = len(res.Jobs) > 0
	return d, nil
}

// eventsReconcileShow handles GET /events/reconcile: the missed-events panel,
// which htmx polls while a run is queued or running.
func (s *Server) eventsReconcileShow(w http.ResponseWriter, r *http.Request) error {
	d, err := s.reconcileData(r)
	if err != nil {
		return err
	}
	if !isPartial(r) {
		return s.render(w, r, http.StatusOK, views.ReconcilePage(s.shell(r, "Fetch missed events"), d))
	}
	return s.render(w, r, http.StatusOK, views.ReconcilePanel(d))
}

// eventsReconcile handles POST /events/reconcile: enqueue a reconciliation of
// the last ConsoleReconcileWindow (one at a time) and go back to the events.
func (s *Server) eventsReconcile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !s.cfg.Reconcile {
		return apiError{http.StatusConflict, "Fetching missed events from Stripe needs STRIPE_SECRET_KEY."}
	}
	var queued bool
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		res, err := s.jobs.InsertTx(ctx, tx.Tx(), jobs.ReconcileArgs{
			WindowSeconds: int64(jobs.ConsoleReconcileWindow.Seconds()), Trigger: store.ReconcileConsole}, nil)
		if err != nil {
			return fmt.Errorf("queue reconcile: %w", err)
		}
		if queued = !res.UniqueSkippedAsDuplicate; !queued {
			return nil
		}
		return tx.Audit(ctx, currentUser(ctx).Email, "events.reconcile", "stripe", map[string]any{"job_id": res.Job.ID})
	})
	if err != nil {
		return err
	}
	if queued {
		s.flash(ctx, "ok", "Fetching missed events from Stripe (the last 72 hours); the result shows below when it is done.")
	} else {
		s.flash(ctx, "ok", "A fetch from Stripe is already queued or running; its result shows below.")
	}
	redirectAfterPost(w, r, "/events")
	return nil
}
