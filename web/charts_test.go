package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// The overview draws the last 24 hours (by the hour) and the last 7 days (by
// the day) as SVG, and the numbers under each chart add up to what happened:
// here three webhooks, two payments succeeded and one failed.
func TestOverviewChartsCountWhatHappened(t *testing.T) {
	t.Parallel()
	app := New(t)
	cus, _ := pay(app, "chart@example.com", "ORD-1", 1200)
	app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 800, "usd", cus, "succeeded", nil)))
	app.SendAndWait(NewEvent("payment_intent.payment_failed", PaymentIntent(NewID("pi"), 500, "usd", cus, "requires_payment_method", nil)))
	app.Idle()
	admin := app.SignIn(store.UserAdmin)

	// column sums the numbers of one series (by its header) in a chart's table.
	column := func(p *Page, chart, series string) int {
		t.Helper()
		table := p.Find(chart + "-table")
		col := -1
		table.Find("thead th").Each(func(i int, s *goquery.Selection) {
			if strings.TrimSpace(s.Text()) == series {
				col = i
			}
		})
		if col < 0 {
			t.Fatalf("%s has no %q column:\n%s", chart, series, p.Body)
		}
		sum := 0
		table.Find("tbody tr").Each(func(_ int, row *goquery.Selection) {
			n, _ := strconv.Atoi(strings.TrimSpace(row.Children().Eq(col).Text()))
			sum += n
		})
		return sum
	}
	for _, tc := range []struct {
		path string
		rows int
	}{{"/", 24}, {"/?range=24h", 24}, {"/?range=7d", 7}} {
		p := admin.Get(tc.path).Want(http.StatusOK)
		if n := p.Find("chart-webhooks-table").Find("tbody tr").Length(); n != tc.rows {
			t.Fatalf("%s: %d buckets, want %d", tc.path, n, tc.rows)
		}
		if p.Doc.Find(`[data-testid="chart-webhooks"] svg rect.bar`).Length() == 0 {
			t.Fatalf("%s: the webhooks chart draws no bars", tc.path)
		}
		if got := column(p, "chart-webhooks", "received"); got != 4 {
			t.Errorf("%s: webhooks received: got %d, want 4", tc.path, got)
		}
		if ok, failed := column(p, "chart-payments", "succeeded"), column(p, "chart-payments", "failed"); ok != 2 || failed != 1 {
			t.Errorf("%s: payments: got %d succeeded and %d failed, want 2 and 1", tc.path, ok, failed)
		}
		if got := p.Text("chart-payments"); !strings.Contains(got, "payment success rate 66.7 % (2 of 3)") {
			t.Errorf("%s: payments summary: got %q", tc.path, got)
		}
	}
	admin.Get("/?range=1y").Want(http.StatusBadRequest)
}
