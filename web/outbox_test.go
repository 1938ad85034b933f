package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// keptMessage stores a message as the email worker does without SMTP.
func keptMessage(app *App, key string, accountID *int64, r store.RenderedMessage) int64 {
	app.T.Helper()
	id, _, err := app.Store.QueueMessage(app.T.Context(), store.NewMessage{Key: key, Kind: store.MsgOrderConfirmation,
		AccountID: accountID, To: "dee@example.com"})
	if err != nil {
		app.T.Fatal(err)
	}
	if err := app.Store.MessageDelivered(app.T.Context(), id, store.MsgOutbox, r); err != nil {
		app.T.Fatal(err)
	}
	return id
}

func TestOutboxShowsMailSafely(t *testing.T) {
	t.Parallel()
	app := New(t) // no SMTP_URL: mail is kept in the outbox
	acct := signup(app, "dee@example.com", "buyer", "free")
	pay(app, "dee@example.com", "ord_51", 700)
	messages(app, acct.ID, 1, store.MsgOutbox)
	evil := `<p>Hello</p><script>alert(1)</script><img src="x" onerror="alert(2)">`
	id := keptMessage(app, "test:evil", &acct.ID, store.RenderedMessage{Subject: "Hi " + xss, TextBody: "Text " + xss, HTMLBody: evil})
	failing, _, err := app.Store.QueueMessage(t.Context(), store.NewMessage{Key: "test:failing", Kind: store.MsgRefundNotice, AccountID: &acct.ID, To: "dee@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.MessageFailed(t.Context(), failing, "dial tcp: connection refused", false); err != nil {
		t.Fatal(err)
	}
	admin := app.SignIn(store.UserAdmin)

	p := admin.Get("/outbox").Want(http.StatusOK)
	noRawScript(t, p)
	if got := p.Text("outbox-mode"); !strings.HasPrefix(got, "SMTP_URL is not set") {
		t.Fatalf("mode: got %q", got)
	}
	if n := p.Find("message-row").Length(); n != 3 {
		t.Fatalf("messages: got %d, want 3", n)
	}
	if !strings.Contains(p.Find("messages-table").Text(), "Your order ord_51 is confirmed") {
		t.Fatal("the worker's confirmation is not listed")
	}
	d := admin.Get("/outbox?status=degraded").Want(http.StatusOK)
	if id, _ := d.Find("message-row").Attr("data-id"); d.Find("message-row").Length() != 1 || id != fmt.Sprint(failing) ||
		!strings.Contains(d.Find("message-row").Text(), "dial tcp: connection refused") {
		t.Fatalf("degraded: got %q", d.Find("messages-table").Text())
	}
	if admin.Get("/outbox?status=failed").Want(http.StatusOK).Find("messages-empty").Length() != 1 {
		t.Fatal("no empty state for failed messages")
	}
	admin.Get("/outbox?status=lost").Want(http.StatusBadRequest)

	m := admin.Get(fmt.Sprintf("/outbox/%d", id)).Want(http.StatusOK)
	noRawScript(t, m)
	if m.Doc.Find("main script, main img").Length() != 0 {
		t.Fatal("the email's markup is live in the console page")
	}
	if got := m.Find("message-html-source").Text(); got != evil {
		t.Fatalf("HTML source: got %q, want it as text", got)
	}
	if got := m.Find("message-text").Text(); got != "Text "+xss {
		t.Fatalf("text body: got %q", got)
	}
	frame := m.Find("message-html-preview")
	sandbox, ok := frame.Attr("sandbox")
	if src, _ := frame.Attr("src"); !ok || sandbox != "" || src != fmt.Sprintf("/outbox/%d/html", id) {
		t.Fatalf("preview frame: sandbox %q (set %v), src %q; want an empty sandbox (no scripts)", sandbox, ok, src)
	}
	// The frame's document forbids scripts by its own policy, sandboxed even when opened alone.
	h := admin.Get(fmt.Sprintf("/outbox/%d/html", id)).Want(http.StatusOK)
	csp := h.Header.Get("Content-Security-Policy")
	if !strings.HasPrefix(csp, "sandbox;") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Fatalf("preview CSP: got %q", csp)
	}
	if h.Header.Get("X-Frame-Options") != "SAMEORIGIN" || !strings.HasPrefix(h.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("preview headers: got %v", h.Header)
	}
	admin.Get("/outbox/999999").Want(http.StatusNotFound)
	admin.Get("/outbox/999999/html").Want(http.StatusNotFound)
	app.SignIn(store.UserSupport).Get(fmt.Sprintf("/outbox/%d", id)).Want(http.StatusForbidden)
}

func TestOutboxPagesAndLogsSMTP(t *testing.T) {
	t.Parallel()
	smtp := NewSMTP(t)
	app := NewWith(t, Options{SMTPURL: smtp.URL(), NoWorkers: true})
	for i := 0; i < 52; i++ {
		keptMessage(app, fmt.Sprintf("test:%d", i), nil, store.RenderedMessage{Subject: fmt.Sprintf("Message %d", i), TextBody: "x"})
	}
	c := app.SignIn(store.UserAdmin)
	p := c.Get("/outbox?status=outbox").Want(http.StatusOK)
	if got := p.Text("outbox-mode"); !strings.HasPrefix(got, "Email goes out through SMTP") {
		t.Fatalf("mode with SMTP_URL: got %q", got)
	}
	next, ok := p.Find("next-page").Attr("href")
	if p.Find("message-row").Length() != 50 || !ok || !strings.Contains(next, "status=outbox") {
		t.Fatalf("first page: %d rows, next %q", p.Find("message-row").Length(), next)
	}
	p2 := c.Get(next).Want(http.StatusOK)
	if n := p2.Find("message-row").Length(); n != 2 || p2.Find("next-page").Length() != 0 {
		t.Fatalf("second page: got %d rows, want 2 and no next link", n)
	}
	if last := p2.Find("message-row").Last().Text(); !strings.Contains(last, "Message 0") {
		t.Fatalf("oldest last: got %q", last)
	}
}
