package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/pgtest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// doctorEnv sets every variable the checks read, so nothing from the
// machine's environment (and no network beyond loopback) comes in.
func doctorEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, k := range []string{"APP_ENV", "BASE_URL", "STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY", "STRIPE_API_BASE",
		"CRM_PROVIDER", "HUBSPOT_TOKEN", "HUBSPOT_API_BASE", "CRM_WEBHOOK_URL", "CRM_WEBHOOK_SECRET", "SMTP_URL", "MAIL_FROM",
		"MAIL_DKIM_SELECTOR", "ALERT_SLACK_WEBHOOK_URL", "ALERT_EMAIL", "INBOUND_EMAIL_USER", "INBOUND_EMAIL_PASSWORD", "BILLING_URL"} {
		t.Setenv(k, vars[k])
	}
	t.Setenv("DATABASE_URL", vars["DATABASE_URL"])
}

func TestDoctorCommand(t *testing.T) {
	f := stripefake.New(t)
	f.AddWebhookEndpoint(stripefake.WebhookEndpoint{URL: "http://localhost:8080/webhooks/stripe", APIVersion: jobs.SupportedAPIVersion, EnabledEvents: jobs.HandledTypes()})
	smtp := apptest.NewSMTP(t)
	env := map[string]string{
		"DATABASE_URL": pgtest.URL(t), "APP_ENV": "development", "BASE_URL": "http://localhost:8080",
		"STRIPE_WEBHOOK_SECRET": apptest.Secret, "STRIPE_SECRET_KEY": f.Key, "STRIPE_API_BASE": f.URL,
		"SMTP_URL": smtp.URL(), "MAIL_FROM": "Shop <hello@switchboard.test>",
	}
	doctorEnv(t, env)

	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"doctor"}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("a healthy development setup: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 20 {
		t.Fatalf("got %d lines, want one per check (20 or more):\n%s", len(lines), out.String())
	}
	for _, want := range []string{"ok    stripe.api ", "ok    stripe.webhook_endpoint ", "ok    smtp ", "ok    database ", "ok    database.migrations ",
		"skip  dns.spf ", "skip  tls ", "skip  hubspot "} {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no line starting %q in:\n%s", want, out.String())
		}
	}
	for _, l := range lines {
		if st, _, _ := strings.Cut(l, " "); !strings.Contains("ok warn fail skip", st) {
			t.Errorf("a line that does not start with a status: %q", l)
		}
	}
	if strings.Contains(out.String(), smtp.Password) || strings.Contains(out.String(), f.Key) || strings.Contains(out.String(), apptest.Secret) {
		t.Fatal("doctor printed a secret")
	}
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("doctor sent %d emails", n)
	}

	// A live key outside production fails the run; --json says so as data.
	live := "sk_live_" + strings.Repeat("l", 24)
	f.AddKey(live)
	env["STRIPE_SECRET_KEY"] = live
	doctorEnv(t, env)
	out.Reset()
	errOut.Reset()
	err := run(context.Background(), []string{"doctor", "--json"}, strings.NewReader(""), &out, &errOut)
	var ue usageError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "1 of ") {
		t.Fatalf("a live key in development: got %v, want 1 failed check", err)
	}
	var doc struct {
		Checks []map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("--json printed something else: %v\n%s", err, out.String())
	}
	var key map[string]string
	for _, c := range doc.Checks {
		if len(c) != 4 || c["name"] == "" || c["status"] == "" {
			t.Fatalf("a check with other fields than name, status, detail, fix: %v", c)
		}
		if c["name"] == "stripe.secret_key" {
			key = c
		}
	}
	if key["status"] != string(store.CheckFail) || !strings.Contains(key["detail"], "live-mode") || key["fix"] == "" {
		t.Fatalf("stripe.secret_key: got %v", key)
	}
	if _, err := runCmd(t, "", "doctor", "--yaml"); !errors.As(err, &ue) {
		t.Fatalf("an unknown flag: got %v, want a usage error", err)
	}
}

// The binary exits 1 when a check fails and 0 when none does.
func TestDoctorExitCode(t *testing.T) {
	if os.Getenv("SB_DOCTOR_CHILD") == "1" {
		os.Args = []string{"switchboard", "doctor"}
		main()
		os.Exit(0)
	}
	url := pgtest.URL(t)
	for _, tc := range []struct {
		name string
		env  []string
		want int
	}{
		{"healthy", []string{"DATABASE_URL=" + url}, 0},
		{"no database", []string{"DATABASE_URL="}, 1},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDoctorExitCode$")
		cmd.Env = append([]string{"SB_DOCTOR_CHILD=1", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "APP_ENV=development"}, tc.env...)
		out, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.want {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, code, tc.want, out)
		}
		if tc.want == 1 && !strings.Contains(string(out), "switchboard: 1 of ") {
			t.Errorf("%s: no summary on stderr:\n%s", tc.name, out)
		}
	}
}
