package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// Staff answer a ticket from its page: the reply goes to the customer by
// email in their own thread (In-Reply-To and References name their mail);
// the customer's answer, delivered twice by the provider, lands once on the
// same ticket and reopens it; a stranger who quotes the same Message-ID gets
// a ticket of their own.
func TestTicketReplyThreadsAndTheAnswerReopens(t *testing.T) {
	t.Parallel()
	smtp := NewSMTP(t)
	app := NewWith(t, Options{SMTPURL: smtp.URL(), InboundUser: "postmark", InboundPassword: "inbound-pass-123456"})
	ctx := t.Context()
	inbound := func(from, postmarkID, subject, text, stripped string, headers map[string]string) map[string]any {
		t.Helper()
		hs := []map[string]string{}
		for k, v := range headers {
			hs = append(hs, map[string]string{"Name": k, "Value": v})
		}
		b, _ := json.Marshal(map[string]any{"From": from, "FromFull": map[string]any{"Email": from}, "To": "support@market.test",
			"Subject": subject, "MessageID": postmarkID, "TextBody": text, "StrippedTextReply": stripped, "Headers": hs})
		req, _ := http.NewRequest("POST", app.Server.URL+"/webhooks/inbound-email", bytes.NewReader(b))
		req.SetBasicAuth("postmark", "inbound-pass-123456")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 200 {
			t.Fatalf("inbound from %s: got %d %v", from, resp.StatusCode, out)
		}
		return out
	}
	ticket := func(id int64) store.Ticket {
		t.Helper()
		tk, err := app.Store.TicketByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	sent := func(n int) *mail.Message {
		t.Helper()
		app.Eventually(10*time.Second, fmt.Sprintf("mail %d arrives", n), func() bool { return len(smtp.Messages()) >= n })
		m, err := mail.ReadMessage(strings.NewReader(smtp.Messages()[n-1].Raw))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	first := inbound("rosa@example.com", "pm-1", "Where is my order?", "It has been a week.", "", map[string]string{
		"Message-ID": "<cafe-1@mail.example.com>"})
	tid := int64(first["ticket_id"].(float64))
	sup := app.SignIn(store.UserSupport)
	replyPath := fmt.Sprintf("/tickets/%d/reply", tid)
	sup.Post(replyPath, url.Values{"body": {"It ships tomorrow.\n\nSorry for the wait."}}).Want(http.StatusSeeOther)

	m := sent(1)
	replyID := m.Header.Get("Message-Id")
	if to := m.Header.Get("To"); !strings.Contains(to, "rosa@example.com") ||
		m.Header.Get("Subject") != "Re: Where is my order?" ||
		m.Header.Get("In-Reply-To") != "<cafe-1@mail.example.com>" ||
		!strings.Contains(m.Header.Get("References"), "<cafe-1@mail.example.com>") ||
		!strings.Contains(replyID, fmt.Sprintf("ticket_reply.%d.", tid)) {
		t.Fatalf("reply headers: To %q, Subject %q, In-Reply-To %q, References %q, Message-Id %q", m.Header.Get("To"),
			m.Header.Get("Subject"), m.Header.Get("In-Reply-To"), m.Header.Get("References"), replyID)
	}
	if raw := smtp.Messages()[0].Raw; !strings.Contains(raw, "It ships tomorrow.") {
		t.Fatalf("reply body missing from the mail:\n%s", raw)
	}
	if tk := ticket(tid); tk.Status != "pending" || tk.WaitingOn != store.WaitingOnCustomer {
		t.Fatalf("after the reply: got %s, waiting on %s; want pending, waiting on the customer", tk.Status, tk.WaitingOn)
	}
	page := sup.Get(fmt.Sprintf("/tickets/%d", tid)).Want(http.StatusOK)
	if got := page.Text("waiting-on"); got != "waiting on the customer" || !strings.Contains(page.Body, `data-kind="reply"`) {
		t.Fatalf("ticket page: waiting-on %q; want the reply shown as sent to the customer", got)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'ticket.reply' AND subject = $1`, fmt.Sprintf("ticket:%d", tid)); n != 1 {
		t.Fatalf("audit entries for the reply: got %d, want 1", n)
	}

	// The customer answers in the thread; the provider delivers it twice.
	for range 2 {
		out := inbound("rosa@example.com", "pm-2", "Re: Where is my order?", "Thanks!\n\n> It ships tomorrow.", "Thanks!",
			map[string]string{"Message-ID": "<cafe-2@mail.example.com>", "In-Reply-To": replyID,
				"References": "<cafe-1@mail.example.com> " + replyID})
		if out["ticket_id"] != first["ticket_id"] || out["appended"] != true {
			t.Fatalf("answer: got %v, want it appended to ticket %d", out, tid)
		}
	}
	if tk := ticket(tid); tk.Status != "open" || tk.WaitingOn != store.WaitingOnStaff {
		t.Fatalf("after the answer: got %s, waiting on %s; want open, waiting on staff", tk.Status, tk.WaitingOn)
	}
	if n := app.Count(`SELECT count(*) FROM ticket_notes WHERE ticket_id = $1 AND kind = 'customer' AND body = 'Thanks!'`, tid); n != 1 {
		t.Fatalf("customer answers on the ticket: got %d, want 1 (without the quoted text)", n)
	}

	// The next reply answers the customer's latest mail.
	sup.Post(replyPath, url.Values{"body": {"You're welcome."}}).Want(http.StatusSeeOther)
	if m := sent(2); m.Header.Get("In-Reply-To") != "<cafe-2@mail.example.com>" {
		t.Fatalf("second reply In-Reply-To: got %q, want the customer's latest mail", m.Header.Get("In-Reply-To"))
	}

	// Someone else quoting the reply's Message-ID does not get onto the ticket.
	out := inbound("mallory@example.com", "pm-3", "Re: Where is my order?", "let me in", "", map[string]string{"In-Reply-To": replyID})
	if out["ticket_id"] == first["ticket_id"] || out["appended"] != nil {
		t.Fatalf("a stranger's mail: got %v, want a ticket of its own", out)
	}
	if n := app.Count(`SELECT count(*) FROM ticket_notes WHERE ticket_id = $1 AND kind = 'customer'`, tid); n != 1 {
		t.Fatalf("customer notes after a stranger's mail: got %d, want 1", n)
	}

	// An empty reply is refused and sends nothing; taking the ticket is recorded.
	p := sup.Post(replyPath, url.Values{"body": {"   "}})
	if p.Status != http.StatusUnprocessableEntity || p.Text("reply-error") == "" {
		t.Fatalf("empty reply: got %d %q, want 422 with a message", p.Status, p.Text("reply-error"))
	}
	if p := sup.Post(replyPath, url.Values{"body": {"hello\x00there"}}); p.Status < 400 || p.Status >= 500 {
		t.Fatalf("reply with a NUL byte: got %d, want a 4xx", p.Status)
	}
	if n := app.Count(`SELECT count(*) FROM messages WHERE kind = 'ticket_reply'`); n != 2 {
		t.Fatalf("reply messages: got %d, want 2", n)
	}
	sup.Post(fmt.Sprintf("/tickets/%d/assign", tid), url.Values{"to": {"me"}}).Want(http.StatusSeeOther)
	if tk := ticket(tid); tk.Assignee != sup.User.Email {
		t.Fatalf("assignee: got %q, want %q", tk.Assignee, sup.User.Email)
	}
	sup.Post(fmt.Sprintf("/tickets/%d/assign", tid), url.Values{"to": {"someone@else"}}).Want(http.StatusBadRequest)
}
