package web

import (
	"regexp"
	"strings"

	"github.com/switchboardhq/switchboard/store"
)

// settingRE matches a deployment setting's name as messages write it
// (STRIPE_SECRET_KEY, CRM_PROVIDER=hubspot, APP_ENV).
var settingRE = regexp.MustCompile(`\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b`)

// adminFix is what support staff read instead of a step only an admin can take.
const adminFix = "An admin can fix this on the Setup page."

// forRole keeps deployment settings out of what support staff and sellers
// read: each sentence of msg that names a setting becomes adminFix (once).
// Admins read msg as it is.
func forRole(role, msg string) string {
	if role == store.UserAdmin || !settingRE.MatchString(msg) {
		return msg
	}
	var out []string
	fixed := false
	for _, s := range strings.SplitAfter(msg, ". ") {
		if !settingRE.MatchString(s) {
			out = append(out, s)
			continue
		}
		if !fixed {
			out = append(out, adminFix+" ")
			fixed = true
		}
	}
	return strings.TrimSpace(strings.Join(out, ""))
}
