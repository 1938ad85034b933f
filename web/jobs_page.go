package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const jobsPageSize = 50

// jobStates are the jobs page's tabs, the ones that need someone first.
var jobStates = []string{string(rivertype.JobStateRetryable), string(rivertype.JobStateDiscarded),
	string(rivertype.JobStateAvailable), string(rivertype.JobStateScheduled), string(rivertype.JobStateRunning),
	string(rivertype.JobStatePending), string(rivertype.JobStateCompleted), string(rivertype.JobStateCancelled)}

// jobFilter reads ?state= (retryable by default) and ?kind= of the jobs list.
func jobFilter(q url.Values) (state, kind string, err error) {
	state, kind = q.Get("state"), strings.TrimSpace(q.Get("kind"))
	if state == "" {
		state = string(rivertype.JobStateRetryable)
	}
	if !slices.Contains(jobStates, state) {
		return "", "", badRequest("state must be one of " + strings.Join(jobStates, ", "))
	}
	return state, kind, nil
}

// jobListParams lists the jobs in a state (and of a kind), newest first.
func jobListParams(state, kind string, n int) *river.JobListParams {
	p := river.NewJobListParams().States(rivertype.JobState(state)).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(n)
	if kind != "" {
		p = p.Kinds(kind)
	}
	return p
}

// jobsIndex handles GET /jobs?state=&kind=: every state with its count, the
// jobs in one newest first, paginated with River's own cursor (?after=).
func (s *Server) jobsIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	state, kind, err := jobFilter(q)
	if err != nil {
		return err
	}
	params := jobListParams(state, kind, jobsPageSize)
	if a := q.Get("after"); a != "" {
		var cur river.JobListCursor
		if err := cur.UnmarshalText([]byte(a)); err != nil {
			return badRequest("after is not a page cursor")
		}
		params = params.After(&cur)
	}
	res, err := s.jobs.JobList(r.Context(), params)
	if err != nil {
		return fmt.Errorf("list jobs: %w", err)
	}
	d := views.JobsData{State: state, States: jobStates, Kind: kind, Query: jobsQuery(state, kind).Encode()}
	if d.Counts, err = s.store.JobCounts(r.Context(), kind); err != nil {
		return err
	}
	if a := q.Get("after"); a != "" {
		d.FirstQuery = d.Query
	}
	for _, j := range res.Jobs {
		d.Jobs = append(d.Jobs, jobView(j))
	}
	if len(res.Jobs) == jobsPageSize && res.LastCursor != nil {
		b, err := res.LastCursor.MarshalText()
		if err != nil {
			return fmt.Errorf("jobs cursor: %w", err)
		}
		next := jobsQuery(state, kind)
		next.Set("after", string(b))
		d.NextQuery = next.Encode()
	}
	return s.render(w, r, http.StatusOK, views.JobsPage(s.shell(r, "Jobs"), d))
}

// jobsQuery is the jobs list's filter as a query string.
func jobsQuery(state, kind string) url.Values {
	v := url.Values{"state": {state}}
	if kind != "" {
		v.Set("kind", kind)
	}
	return v
}

// jobView is a job as the page shows it; error text and args are redacted.
func jobView(j *rivertype.JobRow) views.Job {
	v := views.Job{ID: j.ID, Kind: j.Kind, Queue: j.Queue, State: string(j.State), Attempt: j.Attempt,
		MaxAttempts: j.MaxAttempts, CreatedAt: j.CreatedAt, Args: store.Redact(string(j.EncodedArgs))}
	if n := len(j.Errors); n > 0 {
		v.LastError = store.Redact(j.Errors[n-1].Error)
	}
	switch j.State {
	case rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStateAvailable:
		t := j.ScheduledAt
		v.NextRun = &t
		v.CanDiscard = true
	}
	v.CanRetry = j.State != rivertype.JobStateRunning && j.State != rivertype.JobStateCompleted
	return v
}

// jobsRetry handles POST /jobs/{id}/retry: River's JobRetry makes the job
// available now. Audit-logged.
func (s *Server) jobsRetry(w http.ResponseWriter, r *http.Request) error {
	return s.jobAction(w, r, "job.retry", "Queued to run now.", s.jobs.JobRetry)
}

// jobsDiscard handles POST /jobs/{id}/discard: River's JobCancel stops the job
// for good. Audit-logged.
func (s *Server) jobsDiscard(w http.ResponseWriter, r *http.Request) error {
	return s.jobAction(w, r, "job.discard", "Discarded: it will not run again.", s.jobs.JobCancel)
}

// jobAction runs one River job operation, audits it, and shows the job's new
// row in place (htmx) or goes back to the list.
func (s *Server) jobAction(w http.ResponseWriter, r *http.Request, action, done string,
	op func(context.Context, int64) (*rivertype.JobRow, error)) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	before, err := s.jobs.JobList(ctx, river.NewJobListParams().IDs(id).First(1))
	if err != nil {
		return fmt.Errorf("find job %d: %w", id, err)
	}
	if len(before.Jobs) == 0 {
		return notFound()
	}
	if action == "job.retry" {
		why, err := jobs.RetryRefusal(ctx, s.store, before.Jobs[0].Kind, before.Jobs[0].EncodedArgs)
		if err != nil {
			return err
		}
		if why != "" {
			return apiError{http.StatusConflict, why}
		}
	}
	row, err := op(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.Audit(ctx, currentUser(ctx).Email, action, fmt.Sprintf("job:%d", id),
		map[string]any{"kind": row.Kind, "from": before.Jobs[0].State, "to": row.State}); err != nil {
		return err
	}
	msg := fmt.Sprintf("Job %d (%s): %s", id, row.Kind, done)
	if isPartial(r) {
		// The row in place, the confirmation in it.
		v := jobView(row)
		v.Confirm = done
		return s.render(w, r, http.StatusOK, views.JobRow(v))
	}
	s.flash(ctx, "ok", msg)
	to := "/jobs?state=" + string(before.Jobs[0].State)
	if r.PostFormValue("from") == "job" {
		to = "/jobs/" + strconv.FormatInt(id, 10)
	}
	redirectAfterPost(w, r, to)
	return nil
}
