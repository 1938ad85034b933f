package web_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/doctor"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// noDNS is a resolver with no network.
type noDNS struct{}

func (noDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
}

// The settings page lists the launch checks, loaded after the page, worst
// first, each with its fix; the page itself never waits for them.
func TestSettingsShowsLaunchReadiness(t *testing.T) {
	t.Parallel()
	liveKey := "sk_live_" + strings.Repeat("k", 24)
	var pool atomic.Pointer[pgxpool.Pool]
	var runs atomic.Int32
	app := NewWith(t, Options{Doctor: func(ctx context.Context) []store.Check {
		runs.Add(1)
		cfg := doctor.Config{
			AppEnv: "development", BaseURL: "http://localhost:8080", CRMProvider: "none",
			StripeSecretKey: liveKey, StripeAPIBase: "http://127.0.0.1:1",
			StripeAPIVersion: jobs.SupportedAPIVersion, EventTypes: jobs.HandledTypes(),
		}
		unreachable := func(context.Context, string, string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
		}
		return doctor.New(cfg, doctor.Deps{Pool: pool.Load(), Dial: unreachable, Resolver: noDNS{}}).Run(ctx)
	}})
	pool.Store(app.Pool)
	admin := app.SignIn(store.UserAdmin)

	p := admin.Get("/settings").Want(http.StatusOK)
	pending := p.Find("launch-checks")
	if hx, _ := pending.Attr("hx-get"); hx != "/settings/checks" || pending.AttrOr("hx-trigger", "") != "load" || p.Find("launch-checks-pending").Length() != 1 {
		t.Fatalf("the settings page has no pending launch checks to load: %s", p.Body)
	}
	if n := runs.Load(); n != 0 || p.Find("launch-check").Length() != 0 {
		t.Fatalf("the settings page ran the checks itself (%d runs)", n)
	}
	if got := p.Text("setting-STRIPE_WEBHOOK_SECRET"); !strings.HasPrefix(got, "whsec_… (set, ") {
		t.Fatalf("the masked configuration is gone: %q", got)
	}

	f := admin.HTMX(http.MethodGet, "/settings/checks", nil).Want(http.StatusOK)
	if f.Doc.Find("nav, h1").Length() != 0 {
		t.Fatal("the htmx answer is a whole page, not the fragment")
	}
	rows := f.Find("launch-check")
	if rows.Length() < 15 {
		t.Fatalf("launch checks: got %d rows", rows.Length())
	}
	if first, _ := rows.First().Attr("data-status"); first != "fail" {
		t.Fatalf("worst first: the first row is %s", first)
	}
	key := f.Doc.Find(`[data-check="stripe.secret_key"]`)
	if st, _ := key.Attr("data-status"); st != "fail" || !strings.Contains(key.Find(`[data-testid="check-detail"]`).Text(), "live-mode key") ||
		!strings.Contains(key.Find(`[data-testid="check-fix"]`).Text(), "test-mode key") {
		t.Fatalf("the live key's check: %s", key.Text())
	}
	if st, _ := f.Doc.Find(`[data-check="database"]`).Attr("data-status"); st != "ok" {
		t.Fatalf("database check: got %s", st)
	}
	api := f.Doc.Find(`[data-check="stripe.api"]`)
	if st, _ := api.Attr("data-status"); st != "skip" && st != "fail" {
		t.Fatalf("stripe.api with no network: got %s", st)
	}
	if s := f.Text("launch-checks-summary"); !strings.Contains(s, "failing") || !strings.Contains(s, "ok") {
		t.Fatalf("summary: %q", s)
	}
	if strings.Contains(f.Body, liveKey) || strings.Contains(f.Body, Secret) {
		t.Fatal("the launch checks show a secret")
	}
	if f.Find("launch-checks-rerun").AttrOr("hx-get", "") != "/settings/checks" {
		t.Fatal("no way to run the checks again")
	}

	// Without htmx the same list is a page of its own.
	page := admin.Get("/settings/checks").Want(http.StatusOK)
	if page.Find("nav").Length() != 1 || page.Find("launch-check").Length() != rows.Length() {
		t.Fatalf("the checks page: %d rows", page.Find("launch-check").Length())
	}
	app.SignIn(store.UserSupport).Get("/settings/checks").Want(http.StatusForbidden)
}

func TestLaunchChecksEscapeAndWithoutDoctor(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{Doctor: func(context.Context) []store.Check {
		return []store.Check{
			{Name: "ok.one", Status: store.CheckOK, Detail: "fine"},
			{Name: "warn.one", Status: store.CheckWarn, Detail: "odd " + xss, Fix: "do " + xss},
		}
	}})
	f := app.SignIn(store.UserAdmin).HTMX(http.MethodGet, "/settings/checks", nil).Want(http.StatusOK)
	noRawScript(t, f)
	if got := f.Find("launch-check").First().AttrOr("data-check", ""); got != "warn.one" {
		t.Fatalf("first row: got %s, want the warning", got)
	}
	if got := f.Text("launch-checks-summary"); !strings.HasPrefix(got, "0 failing, 1 warning, 1 ok, 0 skipped") {
		t.Fatalf("summary: %q", got)
	}

	plain := New(t)
	c := plain.SignIn(store.UserAdmin)
	if p := c.Get("/settings").Want(http.StatusOK); p.Find("launch-checks").Length() != 0 {
		t.Fatal("a server without checks shows a pending list")
	}
	c.HTMX(http.MethodGet, "/settings/checks", nil).Want(http.StatusOK).Text("launch-checks-off")
}
