package web_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// TestForgedRepliesOpenTicketsOfTheirOwn: a mail that claims to answer a
// ticket's reply is appended only when it names a reply this server sent
// (the Message-ID's MAC checks, and the note is a reply on that ticket) and
// its sender passed SPF, DKIM and DMARC as Postmark saw them; every forgery
// opens a ticket of its own and leaves the ticket waiting on the customer.
func TestForgedRepliesOpenTicketsOfTheirOwn(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{InboundUser: "postmark", InboundPassword: "inbound-pass-123456"})
	n := 0
	inbound := func(headers map[string]string) map[string]any {
		t.Helper()
		n++
		hs := []map[string]string{}
		for k, v := range headers {
			hs = append(hs, map[string]string{"Name": k, "Value": v})
		}
		b, _ := json.Marshal(map[string]any{"From": "rosa@example.com", "FromFull": map[string]any{"Email": "rosa@example.com"},
			"Subject": "Re: Where is my order?", "MessageID": fmt.Sprintf("pm-%d", n), "TextBody": "answer " + fmt.Sprint(n), "Headers": hs})
		req, _ := http.NewRequest("POST", app.Server.URL+"/webhooks/inbound-email", bytes.NewReader(b))
		req.SetBasicAuth("postmark", "inbound-pass-123456")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("inbound mail %d: got %d %v", n, resp.StatusCode, out)
		}
		return out
	}
	first := inbound(map[string]string{"Message-ID": "<cafe-1@mail.example.com>"})
	tid := int64(first["ticket_id"].(float64))
	sup := app.SignIn(store.UserSupport)
	sup.Post(fmt.Sprintf("/tickets/%d/reply", tid), url.Values{"body": {"It ships tomorrow."}}).Want(http.StatusSeeOther)
	var key string
	var noteID int64
	if err := app.Pool.QueryRow(t.Context(), `SELECT key, (detail->>'note_id')::bigint FROM messages WHERE kind = 'ticket_reply'`).Scan(&key, &noteID); err != nil {
		t.Fatal(err)
	}
	replyID := "<" + jobs.MessageID(key) + ">"
	// A MAC made with the server's own secret for a note that is not a reply
	// on this ticket (the customer's first mail has no such note).
	var secret []byte
	if err := app.Pool.QueryRow(t.Context(), `SELECT value FROM server_secrets WHERE name = 'reply_message_id'`).Scan(&secret); err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "ticket_reply:%d:%d", tid, noteID+1000)
	notAReply := fmt.Sprintf("<ticket_reply.%d.%d.%s@switchboard>", tid, noteID+1000, hex.EncodeToString(mac.Sum(nil)[:16]))

	for name, headers := range map[string]map[string]string{
		"an invented reply ID of the old shape": {"In-Reply-To": fmt.Sprintf("<ticket_reply.%d.1@switchboard>", tid)},
		"the real reply's ID without its MAC":   {"In-Reply-To": fmt.Sprintf("<ticket_reply.%d.%d@switchboard>", tid, noteID)},
		"a wrong MAC":                           {"In-Reply-To": fmt.Sprintf("<ticket_reply.%d.%d.%032x@switchboard>", tid, noteID, 0)},
		"a MAC for a note that is no reply":     {"In-Reply-To": notAReply},
		"SPF fail":                              {"In-Reply-To": replyID, "Received-SPF": "Fail (protection.outlook.com: domain of example.com does not designate 192.0.2.9 as permitted sender)"},
		"SPF softfail":                          {"In-Reply-To": replyID, "Received-SPF": "SoftFail (sender not authorized)"},
		"DKIM invalid":                          {"In-Reply-To": replyID, "X-Spam-Tests": "DKIM_SIGNED,DKIM_INVALID,SPF_PASS"},
		"DMARC fail":                            {"In-Reply-To": replyID, "Authentication-Results": "mx.example.net; spf=pass smtp.mailfrom=example.com; dmarc=fail header.from=example.com"},
	} {
		out := inbound(headers)
		if out["ticket_id"] == first["ticket_id"] || out["appended"] != nil {
			t.Errorf("%s: got %v, want a ticket of its own", name, out)
		}
	}
	if tk, err := app.Store.TicketByID(t.Context(), tid); err != nil || tk.Status != "pending" || tk.WaitingOn != store.WaitingOnCustomer {
		t.Fatalf("ticket after forged answers: got %s, waiting on %s (%v); want still pending on the customer", tk.Status, tk.WaitingOn, err)
	}
	if n := app.Count(`SELECT count(*) FROM ticket_notes WHERE ticket_id = $1 AND kind = 'customer'`, tid); n != 0 {
		t.Fatalf("customer notes after forged answers: got %d, want 0", n)
	}
	// The real answer, with Postmark's passing verdicts, is appended.
	out := inbound(map[string]string{"In-Reply-To": replyID, "Received-SPF": "Pass (sender SPF authorized)",
		"X-Spam-Tests": "DKIM_SIGNED,DKIM_VALID,DKIM_VALID_AU,SPF_PASS"})
	if out["ticket_id"] != first["ticket_id"] || out["appended"] != true {
		t.Fatalf("the real answer: got %v, want it appended to ticket %d", out, tid)
	}
}
