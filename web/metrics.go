package web

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/switchboardhq/switchboard/jobs"
)

// Metrics is Switchboard's Prometheus registry: what the web layer counts,
// what the workers observe (it is their jobs.Metrics) and, at scrape time,
// figures read from Postgres (see figuresCollector). Build one with
// NewMetrics and give it to jobs.Deps and Config, so /metrics shows both.
type Metrics struct {
	reg      *prometheus.Registry
	webhooks *prometheus.CounterVec
	requests *prometheus.HistogramVec

	jobDuration *prometheus.HistogramVec
	jobFailures *prometheus.CounterVec
	eventLag    prometheus.Histogram
	crmLag      *prometheus.HistogramVec
}

// latencyBuckets span a healthy few milliseconds to a backlog of an hour.
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}

var _ jobs.Metrics = (*Metrics)(nil)

// NewMetrics builds the registry with Go and process metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_webhooks_total",
			Help: "Stripe webhook deliveries by result (stored, duplicate, held, ignored, bad_signature, bad_body, too_large, error).",
		}, []string{"result"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "switchboard_http_request_duration_seconds",
			Help: "HTTP request duration by route pattern and status class.",
			// Up to 10 s: a webhook answer near Stripe's own timeout is what
			// an operator must be able to see.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "code"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_job_duration_seconds",
			Help:    "Time River workers spent on one run of a job, by kind and outcome (completed, snoozed, failed, cancelled).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind", "outcome"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_job_failures_total",
			Help: "Job runs that failed, by kind: errors and panics (retried while attempts remain) and permanent failures (cancelled).",
		}, []string{"kind"}),
		eventLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "switchboard_event_processing_latency_seconds",
			Help:    "Time from a Stripe event's arrival to its processing (retries included).",
			Buckets: latencyBuckets,
		}),
		crmLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_crm_sync_latency_seconds",
			Help:    "Time from an account's change (for a payment, its webhook's arrival) to the CRM's update, by provider.",
			Buckets: latencyBuckets,
		}, []string{"provider"}),
	}
	m.reg.MustRegister(m.webhooks, m.requests, m.jobDuration, m.jobFailures, m.eventLag, m.crmLag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// JobWorked records one run of a job (jobs.Metrics).
func (m *Metrics) JobWorked(kind, outcome string, d time.Duration) {
	m.jobDuration.WithLabelValues(kind, outcome).Observe(d.Seconds())
	if outcome == jobs.OutcomeFailed || outcome == jobs.OutcomeCancelled {
		m.jobFailures.WithLabelValues(kind).Inc()
	}
}

// EventProcessed records an event's arrival-to-processed time (jobs.Metrics).
func (m *Metrics) EventProcessed(d time.Duration) { m.eventLag.Observe(d.Seconds()) }

// CRMSynced records a change-to-CRM time (jobs.Metrics).
func (m *Metrics) CRMSynced(provider string, d time.Duration) {
	m.crmLag.WithLabelValues(provider).Observe(d.Seconds())
}
