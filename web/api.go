package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
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

// api wraps a JSON handler: bearer-token auth with the scope the route needs,
// then one place that maps errors to a status and {"error": "…"}, logging
// server errors once.
func (s *Server) api(scope string, h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return s.requireToken(scope, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		// The console's table (errorStatus) decides the status, so the API
		// answers a conflict 409 as the console does.
		status, msg := errorStatus(err)
		switch {
		case status == 0:
			// The client went away; nothing to answer.
		case status >= 500:
			s.log.ErrorContext(r.Context(), "api request", "path", r.URL.Path, "err", err, "request_id", requestID(r.Context()))
			writeJSONError(w, http.StatusInternalServerError, "internal error (request "+requestID(r.Context())+")")
		default:
			writeJSONError(w, status, msg)
		}
	}))
}

// bearerToken is the token in "Authorization: Bearer …" (the scheme in any
// case, surrounding spaces and tabs trimmed), or "".
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// requireToken lets through requests with a live API token that holds scope;
// without one they get 401, with one that lacks the scope 403.
func (s *Server) requireToken(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := bearerToken(r)
		if tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
			writeJSONError(w, http.StatusUnauthorized, "missing bearer token")
			return
		}
		t, err := s.store.APITokenByHash(r.Context(), store.HashAPIToken(tok))
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
		if !t.Allows(scope) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard", error="insufficient_scope", scope="`+scope+`"`)
			writeJSONError(w, http.StatusForbidden, "this token lacks the "+scope+" scope")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyToken, t)))
	})
}

// currentToken is the API token the request authenticated with.
func currentToken(ctx context.Context) store.APIToken {
	t, _ := ctx.Value(keyToken).(store.APIToken)
	return t
}

// decodeJSON reads a JSON object body into dst: 415 unless the Content-Type is
// application/json, 413 past limit bytes, 400 for malformed JSON, unknown
// fields, data after the object, or a NUL character in any string (Postgres
// cannot store one).
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any, shape string) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return apiError{http.StatusUnsupportedMediaType, "Content-Type must be application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("data after the JSON object")
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return apiError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body is larger than %d KiB", limit>>10)}
	case err != nil:
		return badRequest("body must be JSON " + shape + ": " + err.Error())
	case hasNUL(reflect.ValueOf(dst)):
		return badRequest("text fields must not contain NUL characters (\\u0000)")
	}
	return nil
}

// hasNUL reports whether any string in v (a struct, pointer, slice or map of
// them) contains a NUL character.
func hasNUL(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return strings.ContainsRune(v.String(), 0)
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && hasNUL(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && hasNUL(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if hasNUL(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if hasNUL(k) || hasNUL(v.MapIndex(k)) {
				return true
			}
		}
	}
	return false
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
	_ = writeJSON(w, status, apiErrorBody{Error: msg, Code: errorCode(status)})
}

// signupsCreate handles POST /api/v1/signups: idempotent on email.
func (s *Server) signupsCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Role     string `json:"role"`
		PlanTier string `json:"plan_tier"`
	}
	if err := decodeJSON(w, r, 64<<10, &in, "{email, name, role, plan_tier?}"); err != nil {
		return err
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
		if err := s.cfg.Dispatch.AccountChanged(r.Context(), tx, acct.ID, time.Now()); err != nil {
			return err
		}
		// Reload in the transaction: the sync request changed the account's
		// CRM status, and a worker may push it the moment this commits.
		acct, err = tx.AccountByID(r.Context(), acct.ID)
		return err
	})
	if err != nil {
		return err
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
	case q.Get("payment_intent") != "" || q.Get("checkout_session") != "":
		lookup, id := s.store.OrderByPaymentIntent, q.Get("payment_intent")
		if id == "" {
			lookup, id = s.store.OrderByCheckoutSession, q.Get("checkout_session")
		}
		o, err := lookup(r.Context(), id)
		if err == nil {
			orders = append(orders, o)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	default:
		return badRequest("give account_id, payment_intent or checkout_session")
	}
	return writeJSON(w, http.StatusOK, orders)
}

// checkoutSessionsShow handles GET /api/v1/checkout-sessions/{cs_id}: where
// a Checkout session stands, for the marketplace's success page, from the
// ledger; while the ledger has no order for it and STRIPE_SECRET_KEY is set,
// from Stripe itself (lookUpCheckout). Without a key it stays pending until
// Stripe's events arrive: the page keeps polling.
func (s *Server) checkoutSessionsShow(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !strings.HasPrefix(id, "cs_") || len(id) > 255 {
		return apiError{http.StatusNotFound, "not a Checkout session ID (cs_…)"}
	}
	cs, err := s.store.CheckoutSessionByID(r.Context(), id)
	if err != nil {
		return err
	}
	if cs.Status == store.CheckoutPending && cs.Order == nil && s.cfg.Checkouts != nil && s.lookups.allow(id, time.Now()) {
		if cs, err = s.lookUpCheckout(r.Context(), cs); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, cs)
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
