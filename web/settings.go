package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/views"
)

// settingsShow handles GET /settings: the status table (read-only) and the
// configuration with secrets masked.
func (s *Server) settingsShow(w http.ResponseWriter, r *http.Request) error {
	var d views.SettingsData
	for _, m := range jobs.StatusTable {
		d.Statuses = append(d.Statuses, views.StatusRow{Object: m.Object, Stripe: m.Stripe, Ours: m.Ours, What: m.What})
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
