package web_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestBrowserNavMenus: the navigation's menus open one at a time, and an
// open one closes on a click outside it and on Escape (focus back on its
// summary), so they never overlap or stay open over the page.
func TestBrowserNavMenus(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	admin := app.NewUser(store.UserAdmin, nil)
	run(t, ctx, "sign in",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(app.Server.URL+"/login"),
		chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), admin.Email),
		chromedp.SendKeys(chromedp.ID("password"), Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(tid("overview-stats")),
	)
	// Deferred scripts have run once the document is complete.
	poll(t, ctx, "the page to load", `document.readyState === 'complete'`)
	summary := func(group string) chromedp.CSS {
		return chromedp.CSS(`[data-testid="nav-group-` + group + `"] summary`)
	}
	open := func(want ...string) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll('nav details[open]')].map(d => d.closest('[data-testid]').dataset.testid.replace('nav-group-', ''))`))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			got = nil
		}
		if !slices.Equal(got, want) {
			t.Fatalf("open menus: got %v, want %v", got, want)
		}
	}

	run(t, ctx, "open Work", chromedp.Click(summary("Work")))
	open("Work")
	run(t, ctx, "open Customers", chromedp.Click(summary("Customers")))
	open("Customers")
	run(t, ctx, "open Admin", chromedp.Click(summary("Admin")))
	open("Admin")
	// A click inside the open menu (on its padding, not a link) keeps it open.
	corner, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
		`(r => [r.left + 2, r.top + 2])(document.querySelector('[data-testid="nav-group-Admin"] details > ul').getBoundingClientRect())`))
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "click inside the menu", chromedp.MouseClickXY(corner[0], corner[1]))
	open("Admin")
	run(t, ctx, "click outside", chromedp.Click(chromedp.CSS(`main h1`)))
	open()

	run(t, ctx, "open Customers and press Escape",
		chromedp.Click(summary("Customers")),
		chromedp.KeyEvent("\x1b"),
	)
	open()
	var focused bool
	focused, err = chromedp.Run(ctx, chromedp.Evaluate[bool](
		`document.activeElement === document.querySelector('[data-testid="nav-group-Customers"] summary')`))
	if err != nil || !focused {
		t.Fatalf("after Escape the focus is not on the menu's summary (%v)", err)
	}
	// Keyboard: Enter on the focused summary opens it again, Escape closes it.
	run(t, ctx, "Enter, then Escape", chromedp.KeyEvent("\r"))
	open("Customers")
	run(t, ctx, "Escape", chromedp.KeyEvent("\x1b"))
	open()

	if p := problems(); len(p) > 0 {
		t.Fatalf("the pages logged errors (CSP violations or script errors):\n%s", strings.Join(p, "\n"))
	}
}
