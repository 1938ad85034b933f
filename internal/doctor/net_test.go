package doctor_test

import (
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/doctor"
	"github.com/switchboardhq/switchboard/store"
)

func TestSMTPCheck(t *testing.T) {
	t.Parallel()
	srv := apptest.NewSMTP(t)
	// A port where nothing listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	cases := []struct {
		name   string
		url    string
		dial   func(*doctor.Deps)
		status store.CheckStatus
		says   string
	}{
		{"good credentials", srv.URL(), nil, store.CheckOK, "accepted the credentials (no mail sent)"},
		{"wrong password", strings.Replace(srv.URL(), srv.Password, "wrong-password-123", 1), nil, store.CheckFail, "refused the credentials"},
		{"nothing listening", "smtp://u:p@" + closed + "?tls=none", nil, store.CheckFail, "cannot connect"},
		{"no network", "smtp://u:p@smtp.mailprovider.com:587", nil, store.CheckSkip, "could not reach"},
		{"black hole", srv.URL(), func(d *doctor.Deps) { d.Dial = blackHole }, store.CheckSkip, "could not reach"},
		{"not configured", "", nil, store.CheckSkip, "SMTP_URL is not set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig()
			cfg.SMTPURL, cfg.MailFrom = tc.url, "hello@switchboard.test"
			deps := offlineDeps()
			deps.Timeout = 500 * time.Millisecond
			if tc.dial != nil {
				tc.dial(&deps)
			}
			c := find(t, run(t, cfg, deps), "smtp")
			want(t, c, tc.status, tc.says)
			if strings.Contains(c.Detail, "wrong-password") || strings.Contains(c.Detail, srv.Password) {
				t.Fatalf("the check shows the password: %q", c.Detail)
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("the SMTP check sent %d messages", n)
	}
}

// hubSpotProps is a fake of HubSpot's contact properties API
// (GET /crm/v3/properties/contacts/{name}) with its error bodies.
type hubSpotProps struct {
	*httptest.Server
	token string
	props map[string]bool
	// status, when set, answers every request.
	status int
}

func newHubSpotProps(t *testing.T, status int, props ...string) *hubSpotProps {
	h := &hubSpotProps{token: "pat-na1-" + strings.Repeat("h", 32), props: map[string]bool{}, status: status}
	for _, p := range props {
		h.props[p] = true
	}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := h.status
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		answer := func(code int, category, msg string) {
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(map[string]any{"status": "error", "message": msg, "category": category, "correlationId": "fake"})
		}
		switch {
		case r.Header.Get("Authorization") != "Bearer "+h.token:
			answer(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
		case status == 403:
			answer(403, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call.")
		case status != 0:
			answer(status, "RATE_LIMITS", "You have reached your ten_secondly_rolling limit.")
		case r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/crm/v3/properties/contacts/"):
			answer(404, "OBJECT_NOT_FOUND", "resource not found")
		default:
			name := strings.TrimPrefix(r.URL.Path, "/crm/v3/properties/contacts/")
			ok := h.props[name]
			if !ok {
				answer(404, "OBJECT_NOT_FOUND", "Unable to find property "+name)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"name": name, "label": name, "type": "string", "fieldType": "text", "groupName": "contactinformation"})
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func TestHubSpotCheck(t *testing.T) {
	t.Parallel()
	four := []string{"switchboard_account_id", "switchboard_plan_tier", "switchboard_payment_state", "switchboard_role"}
	cases := []struct {
		name   string
		props  []string
		status int
		token  string
		want   store.CheckStatus
		says   string
	}{
		{"all four properties", four, 0, "", store.CheckOK, "has the four"},
		{"two missing", four[:2], 0, "", store.CheckFail, "missing: switchboard_payment_state, switchboard_role"},
		{"wrong token", four, 0, "pat-na1-wrong", store.CheckFail, "refused the token"},
		{"missing scope", four, 403, "", store.CheckFail, "crm.schemas.contacts.read"},
		{"rate limited", four, 429, "", store.CheckWarn, "429"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHubSpotProps(t, tc.status, tc.props...)
			cfg := baseConfig()
			cfg.CRMProvider, cfg.HubSpotToken, cfg.HubSpotAPIBase = "hubspot", h.token, h.URL
			if tc.token != "" {
				cfg.HubSpotToken = tc.token
			}
			c := find(t, run(t, cfg, offlineDeps()), "hubspot")
			want(t, c, tc.want, tc.says)
		})
	}
	cfg := baseConfig()
	want(t, find(t, run(t, cfg, offlineDeps()), "hubspot"), store.CheckSkip, "not hubspot")
	cfg.CRMProvider, cfg.HubSpotToken = "hubspot", "pat-na1-x"
	want(t, find(t, run(t, cfg, offlineDeps()), "hubspot"), store.CheckSkip, "could not reach")
}

func TestDNSChecks(t *testing.T) {
	t.Parallel()
	const d = "shop-example.com"
	good := map[string][]string{
		d:                       {"google-site-verification=abc", "v=spf1 include:mailgun.org ~all"},
		"s1._domainkey." + d:    {"k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"},
		"_dmarc." + d:           {"v=DMARC1; p=quarantine; rua=mailto:dmarc@" + d},
		"mg._domainkey." + d:    {"v=DKIM1; k=rsa; p="},
		"other._domainkey." + d: {"v=DKIM1; k=rsa; p=MIGf"},
	}
	with := func(name string, v []string) map[string][]string {
		m := map[string][]string{}
		for k, x := range good {
			m[k] = x
		}
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
		return m
	}
	type expect struct {
		status store.CheckStatus
		says   string
	}
	cases := []struct {
		name             string
		from, selector   string
		r                resolver
		spf, dkim, dmarc expect
	}{
		{"all good", "Shop <hello@" + d + ">", "s1", resolver{txt: good},
			expect{store.CheckOK, "v=spf1 include:mailgun.org"}, expect{store.CheckOK, "s1._domainkey." + d}, expect{store.CheckOK, "p=quarantine"}},
		{"no SPF, no DMARC", "hello@" + d, "s1", resolver{txt: with(d, []string{"google-site-verification=abc"})},
			expect{store.CheckFail, "no SPF record"}, expect{store.CheckOK, ""}, expect{store.CheckOK, ""}},
		{"two SPF records", "hello@" + d, "s1", resolver{txt: with(d, []string{"v=spf1 -all", "v=spf1 include:x ~all"})},
			expect{store.CheckFail, "2 SPF records"}, expect{store.CheckOK, ""}, expect{store.CheckOK, ""}},
		{"SPF +all", "hello@" + d, "s1", resolver{txt: with(d, []string{"v=spf1 +all"})},
			expect{store.CheckWarn, "+all"}, expect{store.CheckOK, ""}, expect{store.CheckOK, ""}},
		{"no DMARC", "hello@" + d, "s1", resolver{txt: with("_dmarc."+d, nil)},
			expect{store.CheckOK, ""}, expect{store.CheckOK, ""}, expect{store.CheckWarn, "no DMARC record"}},
		{"two DMARC", "hello@" + d, "s1", resolver{txt: with("_dmarc."+d, []string{"v=DMARC1; p=none", "v=DMARC1; p=reject"})},
			expect{store.CheckOK, ""}, expect{store.CheckOK, ""}, expect{store.CheckFail, "2 DMARC records"}},
		{"no selector", "hello@" + d, "", resolver{txt: good},
			expect{store.CheckOK, ""}, expect{store.CheckSkip, "MAIL_DKIM_SELECTOR"}, expect{store.CheckOK, ""}},
		{"wrong selector", "hello@" + d, "nope", resolver{txt: good},
			expect{store.CheckOK, ""}, expect{store.CheckFail, "no DKIM key at nope._domainkey." + d}, expect{store.CheckOK, ""}},
		{"revoked key", "hello@" + d, "mg", resolver{txt: good},
			expect{store.CheckOK, ""}, expect{store.CheckFail, "revoked"}, expect{store.CheckOK, ""}},
		{"the domain does not exist", "hello@nxdomain-shop.com", "s1", resolver{txt: good},
			expect{store.CheckFail, "no SPF record"}, expect{store.CheckFail, "no DKIM key"}, expect{store.CheckWarn, "no DMARC"}},
		{"DNS down", "hello@" + d, "s1", resolver{down: true},
			expect{store.CheckSkip, "could not reach"}, expect{store.CheckSkip, "could not reach"}, expect{store.CheckSkip, "could not reach"}},
		{"reserved domain", "hello@switchboard.test", "s1", resolver{txt: good},
			expect{store.CheckSkip, "reserved"}, expect{store.CheckSkip, "reserved"}, expect{store.CheckSkip, "reserved"}},
		{"no MAIL_FROM", "", "s1", resolver{txt: good},
			expect{store.CheckSkip, "MAIL_FROM is not set"}, expect{store.CheckSkip, "MAIL_FROM is not set"}, expect{store.CheckSkip, "MAIL_FROM is not set"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig()
			cfg.MailFrom, cfg.DKIMSelector = tc.from, tc.selector
			deps := offlineDeps()
			deps.Resolver = tc.r
			cs := run(t, cfg, deps)
			want(t, find(t, cs, "dns.spf"), tc.spf.status, tc.spf.says)
			want(t, find(t, cs, "dns.dkim"), tc.dkim.status, tc.dkim.says)
			want(t, find(t, cs, "dns.dmarc"), tc.dmarc.status, tc.dmarc.says)
		})
	}
}

func TestTLSCheck(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	notAfter := srv.Certificate().NotAfter
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	cases := []struct {
		name   string
		base   string
		deps   func(*doctor.Deps)
		status store.CheckStatus
		says   string
	}{
		{"valid", srv.URL, nil, store.CheckOK, "valid for 127.0.0.1"},
		{"expires in a week", srv.URL, func(d *doctor.Deps) { d.Now = func() time.Time { return notAfter.Add(-7 * 24 * time.Hour) } }, store.CheckWarn, "in 7 days"},
		{"expired", srv.URL, func(d *doctor.Deps) { d.Now = func() time.Time { return notAfter.Add(24 * time.Hour) } }, store.CheckFail, "expired"},
		{"untrusted", srv.URL, func(d *doctor.Deps) { d.RootCAs = x509.NewCertPool() }, store.CheckFail, "not signed by a trusted authority"},
		{"another name", "https://localhost:" + port, nil, store.CheckFail, "does not cover localhost"},
		{"nothing listening", "https://127.0.0.1:1", nil, store.CheckFail, "cannot connect"},
		{"no network", "https://ops.shop-example.com", nil, store.CheckSkip, "could not reach"},
		{"http", "http://localhost:8080", nil, store.CheckSkip, "not https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig()
			cfg.BaseURL = tc.base
			deps := offlineDeps()
			deps.RootCAs = roots
			if tc.deps != nil {
				tc.deps(&deps)
			}
			want(t, find(t, run(t, cfg, deps), "tls"), tc.status, tc.says)
		})
	}
}
