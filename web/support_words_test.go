package web

import "testing"

func TestForRoleKeepsSettingsFromSupport(t *testing.T) {
	t.Parallel()
	msg := "Stripe refused the API key (invalid). Next step: give STRIPE_SECRET_KEY write access to Disputes, then submit the evidence again."
	for role, want := range map[string]string{
		"admin":   msg,
		"support": "Stripe refused the API key (invalid). " + adminFix,
		"seller":  "Stripe refused the API key (invalid). " + adminFix,
	} {
		if got := forRole(role, msg); got != want {
			t.Errorf("forRole(%s): got %q, want %q", role, got, want)
		}
	}
	if got := forRole("support", "Stripe is not available (HTTP 503). Switchboard retries on its own."); got != "Stripe is not available (HTTP 503). Switchboard retries on its own." {
		t.Errorf("a message without settings changed: %q", got)
	}
	two := "STRIPE_WEBHOOK_SECRET is wrong. Check CRM_PROVIDER=hubspot too. The rest stays."
	if got := forRole("support", two); got != adminFix+" The rest stays." {
		t.Errorf("two settings: got %q", got)
	}
}
