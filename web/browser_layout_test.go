package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// phoneWidth is the narrowest viewport the console is laid out for (an
// iPhone 12–15 in portrait).
const phoneWidth = 390

// measureJS measures the page: the document's scrollable width against the
// viewport's, and the element that reaches furthest right beyond it without
// a scrolling box of its own to hold it (the one to fix), and the page's
// same-origin links to crawl on.
const measureJS = `(() => {
	const vw = document.documentElement.clientWidth;
	const sw = document.documentElement.scrollWidth;
	const clips = el => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
	// An overflowing element is held when a box that clips it lies between it
	// and the page: for an absolutely positioned one, only a box around its
	// containing block clips it (which is how an .sr-only span escapes).
	const held = el => {
		const pos = getComputedStyle(el).position;
		if (pos === 'fixed') return false;
		const cb = pos === 'absolute' ? el.offsetParent : el.parentElement;
		for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
			if (clips(a) && (pos !== 'absolute' || a === cb || (cb && a.contains(cb)))) return true;
		}
		return false;
	};
	const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
		(el.classList.length ? '.' + [...el.classList].join('.') : '') +
		(el.dataset.testid ? '[data-testid="' + el.dataset.testid + '"]' : '');
	let widest = null, right = vw;
	for (const el of document.body.querySelectorAll('*')) {
		if (el.checkVisibility && !el.checkVisibility()) continue; // a closed menu's links, say
		const r = el.getBoundingClientRect();
		if (r.width === 0 && r.height === 0 && getComputedStyle(el).overflow !== 'hidden') continue;
		if (r.right > right + 0.5 && !held(el)) { widest = el; right = r.right; }
	}
	const path = [];
	for (let a = widest; a && a !== document.body && path.length < 4; a = a.parentElement) path.unshift(name(a));
	const links = [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.startsWith(location.origin + '/'));
	return {viewport: vw, scroll: sw, widest: widest ? path.join(' > ') + ' (right edge ' + Math.round(right) + ' px: "' +
		widest.textContent.trim().replace(/\s+/g, ' ').slice(0, 60) + '")' : '', links};
})()`

// layout is what measureJS returns.
type layout struct {
	Viewport int      `json:"viewport"`
	Scroll   int      `json:"scroll"`
	Widest   string   `json:"widest"`
	Links    []string `json:"links"`
}

// skipCrawl are console GET routes the crawl does not open as pages, and why.
var skipCrawl = map[string]string{
	"GET /static/":          "files, not pages",
	"/admin/river":          "River's own UI, not laid out by the console",
	"/admin/river/":         "River's own UI, not laid out by the console",
	"GET /settings/checks":  "a fragment, measured inside /settings",
	"GET /outbox/{id}/html": "an email's own HTML, shown in a sandboxed frame",
	"GET /tickets.csv":      "a download",
	"GET /customers.csv":    "a download",
	"GET /orders.csv":       "a download",
	"GET /disputes.csv":     "a download",
	"GET /events/reconcile": "a fragment of the events page",
	"GET /login":            "measured signed out, before the crawl",
}

// TestBrowserNoPageScrollsSideways opens every console page at 390 px, as
// an admin (following the links from the navigation to every list and the
// objects they list) and as a seller, and fails for each page whose document
// is wider than the viewport, naming the element that sticks out.
func TestBrowserNoPageScrollsSideways(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	// Something on every page: failed and retrying events and jobs, a
	// customer with an order, a dispute, a subscription and a ticket, a
	// seller with a dispute and a failed payout, mail in the outbox.
	_, restore := app.FailedPayment("A customer with a rather long name for a narrow screen")
	restore()
	newScriptCustomer(t, app)
	acct, _ := sellerWithDispute(t, app)
	storedOrder(t, app, 123456789)
	admin := app.NewUser(store.UserAdmin, nil)
	seller := app.NewUser(store.UserSeller, &acct)
	base := app.Server.URL

	patterns := http.NewServeMux()
	var want []string
	for _, r := range app.Web.Routes() {
		patterns.HandleFunc(r.Pattern, func(http.ResponseWriter, *http.Request) {})
		if (strings.HasPrefix(r.Pattern, "GET ") || !strings.Contains(r.Pattern, " ")) && strings.Contains(r.Access, "admin") {
			if _, skip := skipCrawl[r.Pattern]; !skip {
				want = append(want, r.Pattern)
			}
		}
	}
	patternOf := func(u *url.URL) string {
		_, p := patterns.Handler(&http.Request{Method: http.MethodGet, URL: u, Host: u.Host})
		return p
	}

	measure := func(path string) layout {
		t.Helper()
		run(t, ctx, "open "+path, chromedp.Navigate(base+path))
		// Fragments that load after the page (htmx) count too.
		poll(t, ctx, path+" to settle", `document.readyState === 'complete' && !document.querySelector('.htmx-request')`)
		shot(t, ctx, "390"+strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(path))
		l, err := chromedp.Run(ctx, chromedp.Evaluate[layout](measureJS))
		if err != nil {
			t.Fatalf("measuring %s: %v", path, err)
		}
		if l.Scroll > l.Viewport {
			t.Errorf("%s scrolls sideways at %d px: the document is %d px wide; widest: %s", path, phoneWidth, l.Scroll, l.Widest)
		}
		return l
	}
	// crawl opens start and every page linked from it, one per route, and
	// returns the routes it opened.
	crawl := func(start ...string) map[string]bool {
		t.Helper()
		seen := map[string]bool{}
		queue := slices.Clone(start)
		for len(queue) > 0 && len(seen) < 60 {
			path := queue[0]
			queue = queue[1:]
			u, _ := url.Parse(base + path)
			p := patternOf(u)
			if seen[p] || p == "" || !strings.HasPrefix(p, "GET ") && !strings.HasPrefix(p, "/") {
				continue
			}
			if _, skip := skipCrawl[p]; skip {
				continue
			}
			seen[p] = true
			for _, link := range measure(path).Links {
				if lu, err := url.Parse(link); err == nil && lu.Path != "/logout" {
					queue = append(queue, lu.RequestURI())
				}
			}
		}
		return seen
	}

	run(t, ctx, "a phone-sized window", chromedp.EmulateViewport(phoneWidth, 844))
	measure("/login")
	run(t, ctx, "sign in as the admin",
		chromedp.SendKeys(chromedp.ID("email"), admin.Email),
		chromedp.SendKeys(chromedp.ID("password"), Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(tid("who")),
	)
	// Two pages no link leads to without a filter or a CRM: opened directly.
	seen := crawl("/", "/events/bulk-replay?status=failed", "/crm/backfill")
	for _, p := range want {
		if !seen[p] {
			t.Errorf("the crawl never reached %s: link it from a page, or give the test data that shows it", p)
		}
	}
	t.Logf("admin: %d pages measured", len(seen))

	run(t, ctx, "sign out", chromedp.Click(tid("logout")), chromedp.WaitVisible(tid("login-form")))
	run(t, ctx, "sign in as the seller",
		chromedp.SendKeys(chromedp.ID("email"), seller.Email),
		chromedp.SendKeys(chromedp.ID("password"), Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(tid("who")),
	)
	seen = crawl("/seller/")
	for _, p := range want {
		if strings.Contains(p, "/seller/") && !seen[p] {
			t.Errorf("the seller's crawl never reached %s", p)
		}
	}
	t.Logf("seller: %d pages measured", len(seen))
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages logged errors (CSP violations or script errors):\n%s", strings.Join(p, "\n"))
	}
}
