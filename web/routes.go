package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/switchboardhq/switchboard/store"
)

// Route is one registered route and who may use it.
type Route struct {
	Pattern string
	// Access is public, stripe, token, basic (inbound email), login (a console page open to all), or
	// the console roles it admits, space-separated ("admin support").
	Access string
	// StepUp says the route's state changes need a fresh second factor (or
	// the password, for users without one) from the last 5 minutes.
	StepUp bool
}

// entry is a route with its handler.
type entry struct {
	Route
	h http.Handler
}

// routeTable is every route on one screen. The route × role test walks it.
// Console pages are wrapped in their layers (session, CSRF, user, the access
// rule) from the same Access the test reads, so the two cannot disagree.
func (s *Server) routeTable() []entry {
	raw := func(pattern, access string, h http.Handler) entry {
		return entry{Route{Pattern: pattern, Access: access}, h}
	}
	page := func(pattern, access string, h handlerFunc) entry {
		return entry{Route{Pattern: pattern, Access: access}, s.console(access, h)}
	}
	// stepUp is a page whose state changes need a fresh second factor;
	// stepUpConfirm guards only the confirmed request (confirm=yes).
	stepUp := func(pattern, access string, h handlerFunc) entry {
		return entry{Route{pattern, access, true}, s.console(access, s.requireStepUp(false, h))}
	}
	stepUpConfirm := func(pattern, access string, h handlerFunc) entry {
		return entry{Route{pattern, access, true}, s.console(access, s.requireStepUp(true, h))}
	}
	return []entry{
		raw("POST /webhooks/stripe", accessStripe, http.HandlerFunc(s.stripeWebhook)),
		raw("GET /healthz", accessPublic, http.HandlerFunc(s.healthz)),
		raw("GET /readyz", accessPublic, http.HandlerFunc(s.readyz)),
		raw("GET /metrics", accessToken, s.requireToken(store.ScopeMetrics, promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))),
		raw("GET /static/", accessPublic, staticFiles()),

		raw("GET /api/v1/openapi.json", accessPublic, http.HandlerFunc(s.openAPI)),
		raw("POST /api/v1/signups", accessToken, s.api(store.ScopeSignupsWrite, s.signupsCreate)),
		raw("GET /api/v1/accounts", accessToken, s.api(store.ScopeRead, s.accountsIndex)),
		raw("GET /api/v1/accounts/{id}", accessToken, s.api(store.ScopeRead, s.accountsShow)),
		raw("GET /api/v1/orders", accessToken, s.api(store.ScopeRead, s.ordersIndex)),
		raw("GET /api/v1/checkout-sessions/{id}", accessToken, s.api(store.ScopeRead, s.checkoutSessionsShow)),
		raw("GET /api/v1/disputes", accessToken, s.api(store.ScopeRead, s.disputesIndex)),
		raw("GET /api/v1/events/{id}", accessToken, s.api(store.ScopeRead, s.eventsShow)),
		raw("POST /api/v1/tickets", accessToken, s.api(store.ScopeTicketsWrite, s.ticketLimit(s.ticketsCreate))),
		raw("GET /api/v1/tickets", accessToken, s.api(store.ScopeRead, s.ticketsIndex)),
		raw("GET /api/v1/alerts", accessToken, s.api(store.ScopeRead, s.alertsIndex)),
		raw("GET /api/v1/search", accessToken, s.api(store.ScopeRead, s.apiSearch)),
		raw("POST /webhooks/inbound-email", accessBasic, http.HandlerFunc(s.inboundEmail)),

		page("GET /login", accessLogin, s.loginShow),
		page("POST /login", accessLogin, s.loginSubmit),
		page("POST /logout", roleAnyone, s.logout),
		page("GET /account/security", roleAnyone, s.accountSecurityShow),
		page("POST /account/security/password", roleAnyone, s.accountPasswordChange),
		page("POST /account/security/sessions/{id}/revoke", roleAnyone, s.accountSessionRevoke),
		page("POST /account/security/sessions/revoke-others", roleAnyone, s.accountSessionsRevokeOthers),
		page("GET /account/security/totp", roleAnyone, s.totpEnrolShow),
		page("POST /account/security/totp", roleAnyone, s.totpEnrolStart),
		page("POST /account/security/totp/confirm", roleAnyone, s.totpEnrolConfirm),
		page("GET /account/step-up", roleAnyone, s.stepUpShow),
		page("POST /account/step-up", roleAnyone, s.stepUpSubmit),
		page("GET /login/verify", accessLogin, s.loginVerifyShow),
		page("POST /login/verify", accessLogin, s.loginVerifySubmit),

		page("GET /{$}", roleStaff, s.overviewShow),
		page("GET /events", roleStaff, s.consoleEventsIndex),
		page("GET /events/{id}", roleStaff, s.consoleEventsShow),
		page("POST /events/{id}/dry-run", roleAdmin, s.eventsDryRun),
		stepUp("POST /events/{id}/replay", roleAdmin, s.eventsReplay),
		page("POST /events/{id}/ignore", roleAdmin, s.eventsIgnore),
		page("GET /events/bulk-replay", roleAdmin, s.eventsBulkReplayConfirm),
		stepUp("POST /events/bulk-replay", roleAdmin, s.eventsBulkReplay),
		page("GET /events/reconcile", roleStaff, s.eventsReconcileShow),
		page("POST /events/reconcile", roleAdmin, s.eventsReconcile),
		page("GET /jobs", roleAdmin, s.jobsIndex),
		// River's own UI: its pages, assets and JSON API (GET, POST, PUT,
		// PATCH), all methods behind the same layers; state changes pass the
		// cross-origin check like the console's forms.
		stepUp(riverUIPrefix, roleAdmin, s.riverUIServe),
		stepUp(riverUIPrefix+"/", roleAdmin, s.riverUIServe),
		page("GET /jobs/{id}", roleAdmin, s.jobsShow),
		page("GET /jobs/bulk", roleAdmin, s.jobsBulkConfirm),
		stepUp("POST /jobs/bulk", roleAdmin, s.jobsBulk),
		stepUp("POST /jobs/{id}/retry", roleAdmin, s.jobsRetry),
		stepUp("POST /jobs/{id}/discard", roleAdmin, s.jobsDiscard),
		page("GET /setup", roleAdmin, s.setupShow),
		page("POST /setup/{id}/test", roleAdmin, s.setupTest),
		page("GET /settings", roleAdmin, s.settingsShow),
		page("GET /settings/checks", roleAdmin, s.settingsChecks),
		page("GET /users", roleAdmin, s.usersIndex),
		stepUp("POST /users", roleAdmin, s.usersCreate),
		stepUp("POST /users/{id}/role", roleAdmin, s.usersSetRole),
		stepUp("POST /users/{id}/disable", roleAdmin, s.usersDisable),
		stepUp("POST /users/{id}/enable", roleAdmin, s.usersEnable),
		page("GET /audit", roleAdmin, s.auditIndex),
		page("GET /tokens", roleAdmin, s.tokensIndex),
		stepUp("POST /tokens/{id}/revoke", roleAdmin, s.tokensRevoke),

		page("GET /tickets", roleStaff, s.consoleTicketsIndex),
		page("GET /tickets.csv", roleStaff, s.ticketsExport),
		page("GET /tickets/{id}", roleStaff, s.consoleTicketsShow),
		page("POST /tickets/{id}/notes", roleStaff, s.ticketsAddNote),
		page("POST /tickets/{id}/status", roleStaff, s.ticketsSetStatus),
		page("POST /tickets/{id}/reply", roleStaff, s.ticketsReply),
		page("POST /tickets/{id}/assign", roleStaff, s.ticketsAssign),
		page("GET /alerts", roleStaff, s.consoleAlertsIndex),
		page("POST /alerts/{id}/acknowledge", roleAdmin, s.alertsAcknowledge),
		page("GET /outbox", roleAdmin, s.outboxIndex),
		page("GET /deliveries", roleAdmin, s.deliveriesIndex),
		page("POST /deliveries/{id}/redeliver", roleAdmin, s.deliveriesRedeliver),
		page("GET /outbox/{id}", roleAdmin, s.outboxShow),
		page("GET /outbox/{id}/html", roleAdmin, s.outboxHTML),
		page("POST /outbox/{id}/resend", roleAdmin, s.outboxResend),

		page("GET /seller/{$}", roleSellerView, s.sellerHome),
		page("GET /seller/disputes/{id}", roleSellerView, s.sellerDisputesShow),

		// Customers, orders, the dispute queue; support reads and adds notes,
		// admins also assign and close.
		page("GET /search", roleStaff, s.searchShow),
		page("GET /customers", roleStaff, s.customersIndex),
		page("GET /customers.csv", roleStaff, s.customersExport),
		page("GET /customers/{id}", roleStaff, s.customersShow),
		page("POST /customers/{id}/crm-sync", roleStaff, s.customersSyncNow),
		page("GET /crm/backfill", roleAdmin, s.crmBackfillShow),
		page("POST /crm/backfill", roleAdmin, s.crmBackfillCreate),
		page("GET /orders", roleStaff, s.consoleOrdersIndex),
		page("GET /orders.csv", roleStaff, s.ordersExport),
		page("GET /orders/{id}", roleStaff, s.consoleOrdersShow),
		page("GET /orders/{id}/refund", roleAdmin, s.ordersRefundShow),
		stepUpConfirm("POST /orders/{id}/refund", roleAdmin, s.ordersRefundCreate),
		page("GET /disputes", roleStaff, s.consoleDisputesIndex),
		page("GET /disputes.csv", roleStaff, s.disputesExport),
		page("GET /disputes/{id}", roleStaff, s.consoleDisputesShow),
		page("POST /disputes/{id}/notes", roleStaff, s.disputesNote),
		page("POST /disputes/{id}/assign", roleAdmin, s.disputesAssign),
		page("POST /disputes/{id}/take", roleStaff, s.disputesTake),
		stepUp("POST /disputes/{id}/close", roleAdmin, s.disputesClose),
		page("POST /disputes/{id}/evidence", s.evidenceAccess(), s.disputesEvidenceSave),
		stepUpConfirm("POST /disputes/{id}/evidence/submit", s.evidenceAccess(), s.disputesEvidenceSubmit),
		page("GET /seller/orders", roleSellerView, s.sellerOrdersIndex),
		page("GET /seller/orders/{id}", roleSellerView, s.sellerOrdersShow),
		page("GET /seller/disputes", roleSellerView, s.sellerDisputesIndex),
	}
}

// Routes lists the registered routes and their access rule.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.routeTable() {
		out = append(out, r.Route)
	}
	return out
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.routeTable() {
		mux.Handle(r.Pattern, r.h)
	}
	return s.notFoundPages(mux)
}
