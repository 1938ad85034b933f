package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// crmOff answers a CRM action when no CRM is configured.
func (s *Server) crmOff() bool { return s.cfg.Dispatch == nil || !s.cfg.Dispatch.CRMOn() }

// customersSyncNow handles POST /customers/{id}/crm-sync: the account's CRM
// sync is enqueued now (one pending sync per account). Audit-logged.
func (s *Server) customersSyncNow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	if _, err := s.store.AccountByID(ctx, id); err != nil {
		return err
	}
	if s.crmOff() {
		return needsSetup{"crm", "No CRM is connected, so there is nothing to sync this customer to."}
	}
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		if err := s.cfg.Dispatch.AccountChanged(ctx, tx, id, time.Now()); err != nil {
			return err
		}
		return tx.Audit(ctx, currentUser(ctx).Email, "crm.sync_now", fmt.Sprintf("account:%d", id), nil)
	})
	if err != nil {
		return err
	}
	s.flash(ctx, "ok", "CRM sync requested.")
	redirectAfterPost(w, r, fmt.Sprintf("/customers/%d", id))
	return nil
}

// crmBackfillShow handles GET /crm/backfill: the backfill form and each
// backfill's progress (accounts covered, scheduled, synced, remaining).
func (s *Server) crmBackfillShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderBackfill(w, r, http.StatusOK, "", "")
}

func (s *Server) renderBackfill(w http.ResponseWriter, r *http.Request, status int, before, msg string) error {
	bs, err := s.store.CRMBackfills(r.Context(), 20)
	if err != nil {
		return err
	}
	d := views.CRMBackfillData{Backfills: bs, Before: before, Error: msg, PerSecond: jobs.CRMBackfillPerSecond}
	if !s.crmOff() {
		d.CRM = s.cfg.Dispatch.CRMName()
	}
	return s.render(w, r, status, views.CRMBackfillPage(s.shell(r, "CRM backfill"), d))
}

// crmBackfillCreate handles POST /crm/backfill (before: YYYY-MM-DD or empty):
// the backfill is recorded, its job enqueued and the request audited in one
// transaction; the job schedules the syncs at jobs.CRMBackfillPerSecond.
func (s *Server) crmBackfillCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if s.crmOff() {
		return needsSetup{"crm", "No CRM is connected, so there is nothing to backfill."}
	}
	raw := strings.TrimSpace(r.PostFormValue("before"))
	var before *time.Time
	if raw != "" {
		t, err := time.Parse(time.DateOnly, raw)
		if err != nil {
			return s.renderBackfill(w, r, http.StatusUnprocessableEntity, raw, "Write the date as YYYY-MM-DD, or leave it empty for accounts never synced.")
		}
		before = &t
	}
	var b store.CRMBackfill
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if b, err = tx.CreateCRMBackfill(ctx, currentUser(ctx).Email, before); err != nil {
			return err
		}
		if _, err := s.jobs.InsertTx(ctx, tx.Tx(), jobs.CRMBackfillArgs{BackfillID: b.ID}, nil); err != nil {
			return err
		}
		return tx.Audit(ctx, currentUser(ctx).Email, "crm.backfill", fmt.Sprintf("crm_backfill:%d", b.ID),
			map[string]any{"before": raw, "accounts": b.Total})
	})
	if err != nil {
		return err
	}
	s.flash(ctx, "ok", fmt.Sprintf("Backfill started: %d accounts to sync.", b.Total))
	redirectAfterPost(w, r, "/crm/backfill")
	return nil
}
