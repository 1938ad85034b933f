package web_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdent    = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?`)
	promKeywords = []string{"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right"}
)

// prometheusOwn are series Prometheus makes itself, not /metrics.
var prometheusOwn = []string{"up"}

// metricNames lists the metric names a PromQL expression reads: what is left
// of it without strings, label matchers, ranges, groupings, functions,
// keywords and numbers.
func metricNames(expr string) []string {
	s := promString.ReplaceAllString(expr, `""`)
	s = promMatchers.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	var out []string
	for _, m := range promIdent.FindAllStringSubmatch(s, -1) {
		if m[2] != "" || slices.Contains(promKeywords, m[1]) {
			continue // a function, an aggregation or a keyword
		}
		out = append(out, m[1])
	}
	return out
}

func TestMetricNamesReadsPromQL(t *testing.T) {
	t.Parallel()
	got := metricNames(`histogram_quantile(0.95, sum by (le, kind) (rate(a_bucket{x="y z",k=~"p|q"}[5m]))) > 60 or max(b{s="c(d)"}) == 0 and on(i) up`)
	if want := []string{"a_bucket", "b", "up"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// checkNames fails for each name in expr that /metrics does not expose.
func checkNames(t *testing.T, where, expr string, exposed map[string]bool) {
	t.Helper()
	names := metricNames(expr)
	ours := 0
	for _, n := range names {
		switch {
		case exposed[n]:
			ours++
		case slices.Contains(prometheusOwn, n):
		default:
			t.Errorf("%s names %s, which /metrics does not expose (expr %q)", where, n, expr)
		}
	}
	if ours == 0 {
		t.Errorf("%s reads no metric of /metrics: %q", where, expr)
	}
}

// checkAlertRules reads deploy/prometheus/alerts.yml line by line (one-line
// exprs, as written there) and checks each rule against /metrics.
func checkAlertRules(t *testing.T, fams map[string]*dto.MetricFamily) {
	b, err := os.ReadFile("../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	exposed := exposedNames(fams)
	type rule struct{ name, expr, severity, forDur string }
	var rules []rule
	for _, line := range strings.Split(string(b), "\n") {
		l := strings.TrimSpace(line)
		key, val, _ := strings.Cut(l, ":")
		val = strings.TrimSpace(val)
		switch key {
		case "- alert":
			rules = append(rules, rule{name: val})
		case "expr", "severity", "for":
			if len(rules) == 0 {
				t.Fatalf("%q before any alert", l)
			}
			r := &rules[len(rules)-1]
			*map[string]*string{"expr": &r.expr, "severity": &r.severity, "for": &r.forDur}[key] = val
		}
	}
	var names []string
	for _, r := range rules {
		names = append(names, r.name)
		if r.expr == "" || r.forDur == "" || (r.severity != "critical" && r.severity != "warning") {
			t.Errorf("alert %s: expr %q, for %q, severity %q: want all three", r.name, r.expr, r.forDur, r.severity)
			continue
		}
		checkNames(t, "alert "+r.name, r.expr, exposed)
	}
	for _, want := range []string{"SwitchboardNotReady", "SwitchboardWebhook5xx", "SwitchboardEventsFailing", "SwitchboardEventsHeld",
		"SwitchboardJobFailures", "SwitchboardJobsStuck", "SwitchboardCRMBacklog"} {
		if !slices.Contains(names, want) {
			t.Errorf("alerts.yml has no %s (it has %v)", want, names)
		}
	}
}

// checkDashboard parses deploy/grafana/switchboard.json and checks every
// panel's queries against /metrics.
func checkDashboard(t *testing.T, fams map[string]*dto.MetricFamily) {
	b, err := os.ReadFile("../deploy/grafana/switchboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("switchboard.json: %v", err)
	}
	if dash.UID == "" || len(dash.Panels) < 10 {
		t.Fatalf("dashboard %q: uid %q, %d panels", dash.Title, dash.UID, len(dash.Panels))
	}
	exposed := exposedNames(fams)
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			checkNames(t, "panel "+p.Title, tg.Expr, exposed)
		}
	}
}
