package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// browser starts a headless Chromium for the test. Without one it skips, but
// in CI (CI=true) it fails, saying what is missing. problems returns what the
// pages logged at error level: a CSP violation, a script error.
func browser(t *testing.T) (ctx context.Context, problems func() []string) {
	t.Helper()
	bin := os.Getenv("CHROMIUM")
	if bin == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				bin = p
				break
			}
		}
	}
	missing := func(why string) {
		t.Helper()
		msg := "browser tests need Chromium: " + why + "; run scripts/chromium.sh (it installs Debian's chromium) or set CHROMIUM to a Chromium binary"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if bin == "" {
		missing("no chromium on PATH and CHROMIUM is unset")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first Do starts the browser; its life is bctx's, with no timeout.
	if err := chromedp.Do(bctx); err != nil {
		missing(bin + " did not start: " + err.Error())
	}
	var mu sync.Mutex
	var seen []string
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				seen = append(seen, m.URL+": "+m.String())
				mu.Unlock()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// tid selects by data-testid.
func tid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// run runs browser steps, failing the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text reads an element's trimmed text.
func text(t *testing.T, ctx context.Context, sel chromedp.CSS) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// poll waits until a JavaScript expression is true.
func poll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// shot saves a screenshot when SCREENSHOT_DIR is set (to look at the pages).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserMainFlows drives the console in Chromium: sign in, see the
// overview refresh itself, open a failed event and replay it, retry a failed
// job, sign out.
func TestBrowserMainFlows(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	admin := app.NewUser(store.UserAdmin, nil)
	eventID, restore1 := app.FailedPayment("")
	jobEvent, restore2 := app.FailedPayment("")
	restore1()
	restore2()
	base := app.Server.URL

	// Signed out, the overview sends us to the sign-in form.
	run(t, ctx, "sign in",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), admin.Email),
		chromedp.SendKeys(chromedp.ID("password"), Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(tid("overview-stats")),
	)
	shot(t, ctx, "overview")
	if who := text(t, ctx, tid("who")); !strings.Contains(who, admin.Email) {
		t.Fatalf("signed in as %q, want %s", who, admin.Email)
	}
	if got := text(t, ctx, tid("webhooks-processing-failed")+" .value"); got != "2" {
		t.Fatalf("processing failures on the overview: got %q, want 2", got)
	}
	// htmx refreshes the figures by itself every 5 s.
	updated := text(t, ctx, "#overview-stats p time")
	poll(t, ctx, "the overview to refresh itself",
		`document.querySelector('#overview-stats p time').textContent !== `+jsString(updated))

	run(t, ctx, "open a failed event and dry-run its replay",
		chromedp.Navigate(base+"/events?status=failed"),
		chromedp.WaitVisible(tid("events-table")),
		chromedp.Click(chromedp.CSS(`a[href="/events/`+eventID+`"]`)),
		chromedp.WaitVisible(tid("replay-dry-run")),
		chromedp.Click(tid("replay-dry-run")),
		chromedp.WaitVisible(tid("dry-run-changes")),
	)
	shot(t, ctx, "dry-run")
	if got := text(t, ctx, tid("dry-run-changes")); !strings.Contains(got, "created") {
		t.Fatalf("dry run: got %q, want a created order", got)
	}
	// Applying reloads the whole page: status, attempts and changes all moved.
	run(t, ctx, "apply the replay", chromedp.Click(tid("replay-apply")), chromedp.WaitVisible(tid("flash-ok")))
	if got := text(t, ctx, tid("flash-ok")); !strings.Contains(got, "processed") {
		t.Fatalf("replay result: got %q", got)
	}
	if got := text(t, ctx, tid("event-status")); got != "processed" {
		t.Fatalf("event status after replay: got %q", got)
	}

	run(t, ctx, "open the jobs page", chromedp.Navigate(base+"/jobs"), chromedp.WaitVisible(tid("jobs-table")))
	shot(t, ctx, "jobs")
	run(t, ctx, "retry a failed job", chromedp.Click(tid("job-retry")))
	poll(t, ctx, "the job row to change in place",
		`document.querySelector('[data-testid="job-state"]').textContent !== 'retryable'`)
	app.WaitStatus(jobEvent, store.EventProcessed)

	run(t, ctx, "sign out", chromedp.Click(tid("logout")), chromedp.WaitVisible(tid("login-form")))
	if got := text(t, ctx, tid("flash-ok")); got != "You are signed out." {
		t.Fatalf("after sign-out: flash %q", got)
	}
	run(t, ctx, "open a page signed out", chromedp.Navigate(base+"/jobs"), chromedp.WaitVisible(tid("login-form")))
	if p := problems(); len(p) > 0 {
		t.Fatalf("the pages logged errors (CSP violations or script errors):\n%s", strings.Join(p, "\n"))
	}
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
