package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Route is one registered route and who may use it.
type Route struct {
	Pattern string
	Access  string // public, stripe, token, basic (inbound email), or a console role list
}

// routeTable is every route on one screen. The route × role test walks it.
func (s *Server) routeTable() []struct {
	Route
	h http.Handler
} {
	type r = struct {
		Route
		h http.Handler
	}
	return []r{
		{Route{"POST /webhooks/stripe", "stripe"}, http.HandlerFunc(s.stripeWebhook)},
		{Route{"GET /healthz", "public"}, http.HandlerFunc(s.healthz)},
		{Route{"GET /readyz", "public"}, http.HandlerFunc(s.readyz)},
		{Route{"GET /metrics", "public"}, promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})},

		{Route{"POST /api/v1/signups", "token"}, s.api(s.signupsCreate)},
		{Route{"GET /api/v1/accounts", "token"}, s.api(s.accountsIndex)},
		{Route{"GET /api/v1/accounts/{id}", "token"}, s.api(s.accountsShow)},
		{Route{"GET /api/v1/orders", "token"}, s.api(s.ordersIndex)},
		{Route{"GET /api/v1/disputes", "token"}, s.api(s.disputesIndex)},
		{Route{"GET /api/v1/events/{id}", "token"}, s.api(s.eventsShow)},
		{Route{"POST /api/v1/tickets", "token"}, s.ticketLimit(s.api(s.ticketsCreate))},
		{Route{"GET /api/v1/tickets", "token"}, s.api(s.ticketsIndex)},
		{Route{"GET /api/v1/alerts", "token"}, s.api(s.alertsIndex)},
		{Route{"POST /webhooks/inbound-email", "basic"}, http.HandlerFunc(s.inboundEmail)},
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
	return mux
}
