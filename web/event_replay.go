package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// bulkReplayCap is how many events one bulk confirmation replays at most.
const bulkReplayCap = 1000

// eventsDryRun handles POST /events/{id}/dry-run: apply the event in a
// transaction that is rolled back, and show what would change and which
// follow-up jobs would be enqueued.
func (s *Server) eventsDryRun(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	ev, err := s.store.EventByID(r.Context(), id)
	if err != nil {
		return err
	}
	dr, err := s.events.DryRun(r.Context(), id)
	if err != nil {
		return err
	}
	rd := views.ReplayData{EventID: id, Stage: "dry-run", Status: dr.Status, Failure: dr.Failure, Type: ev.Type,
		MovesMoney: jobs.MovesMoney(ev.Type), BuildVersion: jobs.SupportedAPIVersion}
	if ev.Status == store.EventHeld {
		rd.HeldVersion = ev.APIVersion
	}
	if dr.Effects != nil {
		rd.Changes = changes(dr.Effects)
	}
	for _, j := range dr.Jobs {
		rd.Jobs = append(rd.Jobs, views.PlannedJob{Kind: j.Kind, Args: j.Args, Existing: j.Existing, State: j.State})
	}
	return s.replayPanel(w, r, rd)
}

// eventsReplay handles POST /events/{id}/replay: apply the event again, for
// real, and show the result in place. Audit-logged, failures too.
func (s *Server) eventsReplay(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ev, err := s.store.EventByID(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	rd := views.ReplayData{EventID: ev.ID, Stage: "done"}
	status, aerr := s.events.Apply(ctx, ev.ID, true)
	detail := map[string]any{"from": ev.Status, "status": status}
	if aerr != nil {
		rd.Error = aerr.Error()
		detail["error"] = rd.Error
	}
	rd.Result = status
	if err := s.store.Audit(ctx, currentUser(ctx).Email, "event.replay", "event:"+ev.ID, detail); err != nil {
		return err
	}
	if rd.Error != "" {
		s.flash(ctx, "error", "Replay failed: "+cleanError(rd.Error))
	} else {
		s.flash(ctx, "ok", "Replayed: the event is now "+status+".")
	}
	if !isPartial(r) {
		redirectAfterPost(w, r, "/events/"+ev.ID)
		return nil
	}
	// Status, attempts and changes all moved: htmx reloads the whole page,
	// which shows the result in the flash.
	w.Header().Set("HX-Refresh", "true")
	return s.replayPanel(w, r, rd)
}

// replayPanel renders the replay panel alone for htmx, or the whole event page.
func (s *Server) replayPanel(w http.ResponseWriter, r *http.Request, rd views.ReplayData) error {
	if isPartial(r) {
		return s.render(w, r, http.StatusOK, views.ReplayPanel(rd))
	}
	d, err := s.eventData(r, rd.EventID)
	if err != nil {
		return err
	}
	d.Replay = rd
	return s.render(w, r, http.StatusOK, views.EventPage(s.shell(r, d.Event.ID), d))
}

// eventsBulkReplayConfirm handles GET /events/bulk-replay?filter: how many
// events a bulk replay would queue, and a button to confirm.
func (s *Server) eventsBulkReplayConfirm(w http.ResponseWriter, r *http.Request) error {
	f, day, err := eventFilter(r.URL.Query())
	if err != nil {
		return err
	}
	if f.IsZero() {
		return badRequest("Choose a filter first (for example status failed or held): bulk replay never replays everything.")
	}
	n, err := s.store.CountEvents(r.Context(), f)
	if err != nil {
		return err
	}
	d := views.BulkReplayData{Filter: f, Day: day, Count: n, Cap: bulkReplayCap}
	return s.render(w, r, http.StatusOK, views.BulkReplayPage(s.shell(r, "Replay matching events"), d))
}

// eventsBulkReplay handles POST /events/bulk-replay: queue a replay job for
// every matching event (up to the cap), in one transaction, audit-logged. The
// confirmed count must still hold, or the confirmation is shown again.
func (s *Server) eventsBulkReplay(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		return badRequest("could not read the form")
	}
	f, day, err := eventFilter(r.PostForm)
	if err != nil {
		return err
	}
	if f.IsZero() {
		return badRequest("Choose a filter first: bulk replay never replays everything.")
	}
	confirmed, err := strconv.Atoi(r.PostFormValue("count"))
	if err != nil {
		return badRequest("the confirmation carries no count")
	}
	ids, err := s.store.EventIDs(ctx, f, bulkReplayCap)
	if err != nil {
		return err
	}
	if len(ids) != confirmed {
		n, err := s.store.CountEvents(ctx, f)
		if err != nil {
			return err
		}
		sh := s.shell(r, "Replay matching events")
		sh.Flash = views.Flash{Kind: "error", Msg: fmt.Sprintf("The number of matching events changed (you confirmed %d). Confirm again.", confirmed)}
		return s.render(w, r, http.StatusConflict, views.BulkReplayPage(sh, views.BulkReplayData{Filter: f, Day: day, Count: n, Cap: bulkReplayCap}))
	}
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		for _, id := range ids {
			if _, err := s.jobs.InsertTx(ctx, tx.Tx(), jobs.StripeEventArgs{EventID: id, Replay: true}, nil); err != nil {
				return fmt.Errorf("queue replay of %s: %w", id, err)
			}
		}
		return tx.Audit(ctx, currentUser(ctx).Email, "event.bulk_replay", "events",
			map[string]any{"filter": filterQuery(f, day).Encode(), "count": len(ids)})
	})
	if err != nil {
		return err
	}
	s.flash(ctx, "ok", fmt.Sprintf("Queued %d events for replay; the workers apply them in a moment.", len(ids)))
	redirectAfterPost(w, r, "/events?"+filterQuery(f, day).Encode())
	return nil
}

// eventsIgnore handles POST /events/{id}/ignore (reason): a failed, held or
// retrying event that should never apply is marked ignored with the reason.
// Audit-logged.
func (s *Server) eventsIgnore(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return badRequest("Say why the event should be ignored (at most 500 characters).")
	}
	u := currentUser(ctx)
	ev, err := s.store.IgnoreEvent(ctx, r.PathValue("id"), "ignored by "+u.Email+": "+reason)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return apiError{http.StatusConflict, "Only a failed, held or retrying event can be marked ignored."}
		}
		return err
	}
	if err := s.store.Audit(ctx, u.Email, "event.ignore", "event:"+ev.ID, map[string]any{"reason": reason}); err != nil {
		return err
	}
	s.flash(ctx, "ok", "Marked ignored: replays and bulk replays of failed events leave it alone.")
	redirectAfterPost(w, r, "/events/"+ev.ID)
	return nil
}

// cleanError hides River's internal error names: what the worker said is
// enough.
func cleanError(s string) string {
	for _, p := range []string{"JobCancelError: ", "jobCancelError: ", "JobSnoozeError: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}
