package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// settingsShow handles GET /settings: the launch-readiness checks (loaded
// by htmx from /settings/checks, so a slow network check never holds the page
// up), the status table (read-only) and the configuration with secrets
// masked.
func (s *Server) settingsShow(w http.ResponseWriter, r *http.Request) error {
	d := views.SettingsData{Checks: s.cfg.Doctor != nil}
	for _, m := range jobs.StatusTable {
		d.Statuses = append(d.Statuses, views.StatusRow{Object: m.Object, Event: m.Event, Stripe: m.Stripe, Ours: m.Ours, What: m.What})
	}
	for _, c := range s.cfg.Settings {
		v := c.Value
		if c.Secret {
			v = MaskSecret(v)
		}
		d.Settings = append(d.Settings, views.Setting{Name: c.Name, Value: v})
	}
	return s.render(w, r, http.StatusOK, views.SettingsPage(s.shell(r, "Settings"), d))
}

// settingsChecks handles GET /settings/checks: the launch-readiness checks,
// worst first, as the settings page's fragment or (without htmx) a page.
func (s *Server) settingsChecks(w http.ResponseWriter, r *http.Request) error {
	d := views.ChecksData{Enabled: s.cfg.Doctor != nil}
	if d.Enabled {
		s.checks.Lock()
		d.Checks = s.cfg.Doctor(r.Context())
		s.checks.Unlock()
		d.At = time.Now()
		slices.SortStableFunc(d.Checks, func(a, b store.Check) int { return checkRank[a.Status] - checkRank[b.Status] })
	}
	if isPartial(r) {
		return s.render(w, r, http.StatusOK, views.LaunchChecks(d))
	}
	d.OwnPage = true
	return s.render(w, r, http.StatusOK, views.ChecksPage(s.shell(r, "Launch readiness"), d))
}

// checkRank orders the launch checks: what blocks a launch first.
var checkRank = map[store.CheckStatus]int{store.CheckFail: 0, store.CheckWarn: 1, store.CheckSkip: 2, store.CheckOK: 3}

// MaskSecret shows that a secret is set, and its kind, never its value:
// "whsec_…" becomes "whsec_… (set, 38 characters)".
func MaskSecret(v string) string {
	if v == "" {
		return ""
	}
	kind := ""
	for _, p := range []string{"whsec_", "sk_live_", "sk_test_", "rk_live_", "rk_test_", "pat-"} {
		if strings.HasPrefix(v, p) && len(v) > len(p) {
			kind = p + "… "
			break
		}
	}
	return kind + "(set, " + strconv.Itoa(len(v)) + " characters)"
}
