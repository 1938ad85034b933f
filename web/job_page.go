package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/riverqueue/river/rivertype"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// jobsBulkCap is how many jobs one bulk confirmation retries or discards.
const jobsBulkCap = 500

// jobsShow handles GET /jobs/{id}: the job's state, arguments, each
// attempt's error and time, and what it belongs to (River's JobGet).
func (s *Server) jobsShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	j, err := s.jobs.JobGet(ctx, id)
	if err != nil {
		return err
	}
	d := views.JobData{Job: jobView(j), Args: store.Redact(prettyJSON(j.EncodedArgs)), AttemptedAt: j.AttemptedAt,
		FinalizedAt: j.FinalizedAt, Priority: j.Priority, Tags: j.Tags}
	for _, e := range j.Errors {
		d.Attempts = append(d.Attempts, views.Attempt{JobID: j.ID, Attempt: e.Attempt, At: e.At, Error: store.Redact(e.Error)})
	}
	if d.Links, err = s.jobLinks(r, j); err != nil {
		return err
	}
	if d.RetryRefusal, err = jobs.RetryRefusal(ctx, s.store, j.Kind, j.EncodedArgs); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.JobPage(s.shell(r, fmt.Sprintf("Job %d", id)), d))
}

// jobLinks says what a job belongs to, from the IDs in its arguments: an
// event, an account, an email (and its order), an alert.
func (s *Server) jobLinks(r *http.Request, j *rivertype.JobRow) ([]views.JobLink, error) {
	var args struct {
		EventID   string `json:"event_id"`
		AccountID int64  `json:"account_id"`
		MessageID int64  `json:"message_id"`
		AlertID   int64  `json:"alert_id"`
		// A Stripe write's request: the refund or the evidence it sends.
		RefundRequestID      int64 `json:"refund_request_id"`
		EvidenceSubmissionID int64 `json:"evidence_submission_id"`
	}
	if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
		return nil, nil // arguments of another shape belong to nothing we show
	}
	var out []views.JobLink
	if args.EventID != "" {
		out = append(out, views.JobLink{Label: "event " + args.EventID, Href: "/events/" + args.EventID})
	}
	if args.AccountID != 0 {
		out = append(out, views.JobLink{Label: fmt.Sprintf("customer %d", args.AccountID), Href: fmt.Sprintf("/customers/%d", args.AccountID)})
	}
	if args.MessageID != 0 {
		out = append(out, views.JobLink{Label: fmt.Sprintf("email %d", args.MessageID), Href: fmt.Sprintf("/outbox/%d", args.MessageID)})
		m, err := s.store.MessageByID(r.Context(), args.MessageID)
		if err == nil && m.OrderID != nil {
			out = append(out, views.JobLink{Label: fmt.Sprintf("order %d", *m.OrderID), Href: fmt.Sprintf("/orders/%d", *m.OrderID)})
		}
		if err == nil && m.AccountID != nil {
			out = append(out, views.JobLink{Label: fmt.Sprintf("customer %d", *m.AccountID), Href: fmt.Sprintf("/customers/%d", *m.AccountID)})
		}
	}
	if args.RefundRequestID != 0 {
		q, err := s.store.RefundRequestByID(r.Context(), args.RefundRequestID)
		if err == nil {
			o, err := s.store.OrderByID(r.Context(), q.OrderID)
			if err != nil {
				return nil, err
			}
			out = append(out, views.JobLink{Label: fmt.Sprintf("refund of %s for %s (%s)", store.Money(q.Amount, q.Currency), o.Label(), q.State()),
				Href: fmt.Sprintf("/orders/%d/refund", o.ID)})
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if args.EvidenceSubmissionID != 0 {
		sub, err := s.store.EvidenceSubmissionByID(r.Context(), args.EvidenceSubmissionID)
		if err == nil {
			dp, err := s.store.DisputeByID(r.Context(), sub.DisputeID)
			if err != nil {
				return nil, err
			}
			out = append(out, views.JobLink{Label: fmt.Sprintf("evidence for dispute %s (%s)", dp.StripeDisputeID, sub.Status),
				Href: fmt.Sprintf("/disputes/%d#dispute-evidence", dp.ID)})
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if args.AlertID != 0 {
		out = append(out, views.JobLink{Label: fmt.Sprintf("alert %d", args.AlertID), Href: "/alerts"})
	}
	return out, nil
}

// bulkForm reads a bulk action's action, state and kind.
func bulkForm(get func(string) string) (action, state, kind string, err error) {
	action = get("action")
	if action != "retry" && action != "discard" {
		return "", "", "", badRequest("action must be retry or discard")
	}
	state, kind = get("state"), strings.TrimSpace(get("kind"))
	if state == "" {
		return "", "", "", badRequest("choose a state first: bulk actions never touch every job")
	}
	if state, kind, err = jobFilter(map[string][]string{"state": {state}, "kind": {kind}}); err != nil {
		return "", "", "", err
	}
	if state == string(rivertype.JobStateRunning) || state == string(rivertype.JobStateCompleted) || state == string(rivertype.JobStatePending) {
		return "", "", "", badRequest(state + " jobs cannot be retried or discarded in bulk")
	}
	return action, state, kind, nil
}

// jobsBulkConfirm handles GET /jobs/bulk?action=retry|discard&state=&kind=:
// how many jobs the action would touch, and a button to confirm.
func (s *Server) jobsBulkConfirm(w http.ResponseWriter, r *http.Request) error {
	action, state, kind, err := bulkForm(r.URL.Query().Get)
	if err != nil {
		return err
	}
	ids, err := s.jobList(r, state, kind)
	if err != nil {
		return err
	}
	counts, err := s.store.JobCounts(r.Context(), kind)
	if err != nil {
		return err
	}
	n := len(ids)
	if n == jobsBulkCap {
		n = max(n, int(counts[state])) // say how many match beyond the cap
	}
	d := views.JobsBulkData{Action: action, State: state, Kind: kind, Count: n, Cap: jobsBulkCap}
	return s.render(w, r, http.StatusOK, views.JobsBulkPage(s.shell(r, bulkTitle(action)), d))
}

// jobsBulk handles POST /jobs/bulk: retry (River's JobRetry) or discard
// (JobCancel) the newest matching jobs, up to the cap, audit-logged once. The
// confirmed count must still hold, or the confirmation is shown again.
func (s *Server) jobsBulk(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	action, state, kind, err := bulkForm(r.PostFormValue)
	if err != nil {
		return err
	}
	confirmed, err := strconv.Atoi(r.PostFormValue("count"))
	if err != nil {
		return badRequest("the confirmation carries no count")
	}
	found, err := s.jobList(r, state, kind)
	if err != nil {
		return err
	}
	ids := make([]int64, len(found))
	for i, j := range found {
		ids[i] = j.ID
	}
	if len(ids) != confirmed {
		sh := s.shell(r, bulkTitle(action))
		sh.Flash = views.Flash{Kind: "error", Msg: fmt.Sprintf("The number of matching jobs changed (you confirmed %d). Confirm again.", confirmed)}
		return s.render(w, r, http.StatusConflict, views.JobsBulkPage(sh,
			views.JobsBulkData{Action: action, State: state, Kind: kind, Count: len(ids), Cap: jobsBulkCap}))
	}
	op := s.jobs.JobRetry
	if action == "discard" {
		op = s.jobs.JobCancel
	}
	done, skipped, refused := 0, 0, 0
	for _, j := range found {
		id := j.ID
		if action == "retry" {
			// A Stripe write whose request ended would only read as done.
			why, err := jobs.RetryRefusal(ctx, s.store, j.Kind, j.EncodedArgs)
			if err != nil {
				return err
			}
			if why != "" {
				refused++
				continue
			}
		}
		if _, err := op(ctx, id); err != nil {
			// A job that finished or started meanwhile is left as it is.
			skipped++
			continue
		}
		done++
	}
	if err := s.store.Audit(ctx, currentUser(ctx).Email, "job.bulk_"+action, "jobs",
		map[string]any{"state": state, "kind": kind, "count": done, "skipped": skipped, "refused": refused}); err != nil {
		return err
	}
	msg := fmt.Sprintf("%s %d %s jobs%s.", bulkPast(action), done, state, kindNote(kind))
	if skipped > 0 {
		msg += fmt.Sprintf(" %d had changed state meanwhile and were left alone.", skipped)
	}
	if refused > 0 {
		msg += fmt.Sprintf(" %d were not retried: they are refunds or evidence whose request already ended, so a retry would change nothing (request them again from the order or dispute).", refused)
	}
	s.flash(ctx, "ok", msg)
	redirectAfterPost(w, r, "/jobs?"+jobsQuery(state, kind).Encode())
	return nil
}

// jobList lists the newest jobs in a state (and of a kind), up to the bulk
// cap, through River's client.
func (s *Server) jobList(r *http.Request, state, kind string) ([]*rivertype.JobRow, error) {
	res, err := s.jobs.JobList(r.Context(), jobListParams(state, kind, jobsBulkCap))
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return res.Jobs, nil
}

func bulkTitle(action string) string {
	if action == "discard" {
		return "Discard jobs"
	}
	return "Retry jobs"
}

func bulkPast(action string) string {
	if action == "discard" {
		return "Discarded"
	}
	return "Queued to run now:"
}

func kindNote(kind string) string {
	if kind == "" {
		return ""
	}
	return " of kind " + kind
}
