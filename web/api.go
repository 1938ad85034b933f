package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// apiError is an error with the status and message the client sees.
type apiError struct {
	status int
	msg    string
}

func (e apiError) Error() string { return e.msg }

func badRequest(msg string) error { return apiError{http.StatusBadRequest, msg} }

// api wraps a JSON handler: bearer-token auth, then one place that maps errors
// to a status and {"error": "…"}, logging server errors once.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return s.requireToken(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var ae apiError
		switch {
		case errors.As(err, &ae):
			writeJSONError(w, ae.status, ae.msg)
		case errors.Is(err, store.ErrNotFound):
			writeJSONError(w, http.StatusNotFound, "not found")
		case errors.Is(err, context.Canceled):
			// The client went away; nothing to answer.
		default:
			s.log.ErrorContext(r.Context(), "api request", "path", r.URL.Path, "err", err, "request_id", requestID(r.Context()))
			writeJSONError(w, http.StatusInternalServerError, "internal error")
		}
	}))
}

// requireToken lets through requests with a live API token in
// "Authorization: Bearer …"; others get 401.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
			writeJSONError(w, http.StatusUnauthorized, "missing bearer token")
			return
		}
		name, err := s.store.APITokenName(r.Context(), store.HashAPIToken(strings.TrimSpace(tok)))
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				s.log.ErrorContext(r.Context(), "checking api token", "err", err)
				writeJSONError(w, http.StatusServiceUnavailable, "could not check the token")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard", error="invalid_token"`)
			writeJSONError(w, http.StatusUnauthorized, "invalid or revoked token")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyTokenName, name)))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	_ = writeJSON(w, status, map[string]string{"error": msg})
}

// signupsCreate handles POST /api/v1/signups: idempotent on email.
func (s *Server) signupsCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Role     string `json:"role"`
		PlanTier string `json:"plan_tier"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return badRequest("body must be JSON {email, name, role, plan_tier?}: " + err.Error())
	}
	in.Email = strings.TrimSpace(in.Email)
	su := store.Signup{Email: in.Email, Name: in.Name, Role: in.Role, PlanTier: in.PlanTier}
	if msg := su.Validate(); msg != "" {
		return apiError{http.StatusUnprocessableEntity, msg}
	}
	var acct store.Account
	var created bool
	err := s.store.InTx(r.Context(), func(tx *store.Store) error {
		var err error
		if acct, created, err = tx.CreateSignup(r.Context(), su); err != nil || s.cfg.Dispatch == nil {
			return err
		}
		// The CRM hears of the signup (or its new role or plan) once committed.
		return s.cfg.Dispatch.AccountChanged(r.Context(), tx, acct.ID, time.Now())
	})
	if err != nil {
		return err
	}
	if s.cfg.Dispatch != nil {
		// Reload: the sync request changed the account's CRM status.
		if acct, err = s.store.AccountByID(r.Context(), acct.ID); err != nil {
			return err
		}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, acct)
}

// accountsIndex handles GET /api/v1/accounts?email=|stripe_customer_id=|stripe_account_id=.
func (s *Server) accountsIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var acct store.Account
	var err error
	switch {
	case q.Get("email") != "":
		acct, err = s.store.AccountByEmail(r.Context(), q.Get("email"))
	case q.Get("stripe_customer_id") != "":
		acct, err = s.store.AccountByStripeCustomer(r.Context(), q.Get("stripe_customer_id"))
	case q.Get("stripe_account_id") != "":
		acct, err = s.store.AccountByStripeAccount(r.Context(), q.Get("stripe_account_id"))
	default:
		return badRequest("give one of email, stripe_customer_id or stripe_account_id")
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, acct)
}

// accountsShow handles GET /api/v1/accounts/{id}.
func (s *Server) accountsShow(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apiError{http.StatusNotFound, "not found"}
	}
	acct, err := s.store.AccountByID(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, acct)
}

// ordersIndex handles GET /api/v1/orders?account_id=|payment_intent=.
func (s *Server) ordersIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	orders := []store.Order{}
	switch {
	case q.Get("account_id") != "":
		id, err := strconv.ParseInt(q.Get("account_id"), 10, 64)
		if err != nil {
			return badRequest("account_id must be a number")
		}
		if orders, err = s.store.OrdersByAccount(r.Context(), id, 500); err != nil {
			return err
		}
	case q.Get("payment_intent") != "":
		o, err := s.store.OrderByPaymentIntent(r.Context(), q.Get("payment_intent"))
		if err == nil {
			orders = append(orders, o)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	default:
		return badRequest("give account_id or payment_intent")
	}
	return writeJSON(w, http.StatusOK, orders)
}

// disputesIndex handles GET /api/v1/disputes?status=S.
func (s *Server) disputesIndex(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.store.Disputes(r.Context(), r.URL.Query().Get("status"), 500)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []store.Dispute{}
	}
	return writeJSON(w, http.StatusOK, ds)
}

// eventsShow handles GET /api/v1/events/{id}.
func (s *Server) eventsShow(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.store.EventByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ev)
}
