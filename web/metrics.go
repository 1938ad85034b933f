package web

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	reg      *prometheus.Registry
	webhooks *prometheus.CounterVec
	requests *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_webhooks_total",
			Help: "Stripe webhook deliveries by result (stored, duplicate, held, ignored, bad_signature, bad_body, too_large, error).",
		}, []string{"result"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_http_request_duration_seconds",
			Help:    "HTTP request duration by route pattern and status class.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "code"}),
	}
	m.reg.MustRegister(m.webhooks, m.requests,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}
