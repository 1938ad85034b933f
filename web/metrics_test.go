package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// scrape reads /metrics with the app's API token.
func scrape(t *testing.T, app *App) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, app.Server.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+app.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: got %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// sample finds the series of a family with these labels (nil when none).
func sample(fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		return m
	}
	return nil
}

// value is a gauge's or counter's value, or a histogram's count.
func value(m *dto.Metric) float64 {
	switch {
	case m == nil:
		return -1
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

// exposedNames is every sample name /metrics shows (histograms as their
// _bucket, _sum and _count too).
func exposedNames(fams map[string]*dto.MetricFamily) map[string]bool {
	out := map[string]bool{}
	for name, f := range fams {
		out[name] = true
		if f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_SUMMARY {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				out[name+s] = true
			}
		}
	}
	return out
}

// metricsStory runs real events through an app: a paid customer synced to
// HubSpot, a held event, a failed event, and a second customer whose sync
// fails while HubSpot is down. It returns the scrape after them.
func metricsStory(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	hs := NewHubSpot(t, hsToken)
	app := NewWith(t, Options{HubSpot: hs})
	acct := signup(app, "mia@example.com", "buyer", "pro")
	pay(app, "mia@example.com", "ord_m1", 4200)
	waitSynced(app, acct.ID)

	held := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 100, "usd", "", "succeeded", nil))
	held.APIVersion = "2024-06-20"
	if got := app.SendAndWait(held); got.Status != store.EventHeld {
		t.Fatalf("held event: got %s", got.Status)
	}
	app.FailedPayment("") // the outage stays: the event stays failed

	hs.SetDown(&Fault{Status: 500})
	down := signup(app, "noa@example.com", "seller", "free")
	app.Eventually(10*time.Second, "a CRM sync failing while HubSpot is down", func() bool {
		a, _ := app.Store.AccountByID(context.Background(), down.ID)
		return a.CRMSyncStatus == store.CRMRetrying
	})
	// The sync records the failure on the account before River hears the
	// job failed (and counts it): wait for the count, not only the account.
	var fams map[string]*dto.MetricFamily
	app.Eventually(10*time.Second, "the CRM sync's failure counted", func() bool {
		fams = scrape(t, app)
		return value(sample(fams, "switchboard_job_failures_total", "kind", "crm_sync")) >= 1
	})
	return fams
}

// TestMetricsShowWhatBreaksRevenue checks that each family /metrics promises
// carries real values after real events.
func TestMetricsShowWhatBreaksRevenue(t *testing.T) {
	t.Parallel()
	fams := metricsStory(t)
	atLeast := []struct {
		name   string
		labels []string
		min    float64
	}{
		{"switchboard_webhooks_total", []string{"result", "stored"}, 3},
		{"switchboard_webhooks_total", []string{"result", "held"}, 1},
		{"switchboard_jobs", []string{"kind", "stripe_event", "state", "retryable"}, 1},
		{"switchboard_jobs", []string{"kind", "crm_sync"}, 1}, // retryable, available or running by now
		{"switchboard_job_duration_seconds", []string{"kind", "stripe_event", "outcome", "completed"}, 2},
		{"switchboard_job_duration_seconds", []string{"kind", "stripe_event", "outcome", "failed"}, 1},
		{"switchboard_job_duration_seconds", []string{"kind", "crm_sync", "outcome", "completed"}, 1},
		{"switchboard_job_failures_total", []string{"kind", "stripe_event"}, 1},
		{"switchboard_job_failures_total", []string{"kind", "crm_sync"}, 1},
		{"switchboard_event_processing_latency_seconds", nil, 2},
		{"switchboard_crm_sync_latency_seconds", []string{"provider", "hubspot"}, 1},
		{"switchboard_events", []string{"status", "held"}, 1},
		{"switchboard_events", []string{"status", "failed"}, 1},
		{"switchboard_crm_backlog", []string{"status", "retrying"}, 1},
		{"switchboard_crm_backlog_oldest_seconds", nil, 0.001},
		{"switchboard_ready", nil, 1},
		{"switchboard_job_oldest_seconds", []string{"state", "available"}, 0},
		{"switchboard_job_oldest_seconds", []string{"state", "running"}, 0},
		{"switchboard_http_request_duration_seconds", []string{"route", "POST /webhooks/stripe", "code", "2xx"}, 4},
	}
	for _, c := range atLeast {
		if got := value(sample(fams, c.name, c.labels...)); got < c.min {
			t.Errorf("%s%v: got %v, want at least %v", c.name, c.labels, got, c.min)
		}
	}
	if got := value(sample(fams, "switchboard_events", "status", "held")); got != 1 {
		t.Errorf("held events: got %v, want exactly 1", got)
	}
	for _, name := range []string{"switchboard_event_processing_latency_seconds", "switchboard_crm_sync_latency_seconds"} {
		if m := sample(fams, name); m == nil || m.Histogram.GetSampleSum() <= 0 || m.Histogram.GetSampleSum() > 60 {
			t.Errorf("%s: sum %v, want a real latency", name, m.GetHistogram().GetSampleSum())
		}
	}
	if help := fams["switchboard_jobs"].GetHelp(); !strings.Contains(help, "kind and state") {
		t.Errorf("switchboard_jobs help: %q", help)
	}
	// What deploy/ ships reads only what this scrape shows.
	t.Run("alert rules", func(t *testing.T) { checkAlertRules(t, fams) })
	t.Run("dashboard", func(t *testing.T) { checkDashboard(t, fams) })
}
