package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/switchboardhq/switchboard/store"
)

// postmarkInbound is the part of Postmark's inbound webhook JSON we read.
type postmarkInbound struct {
	From     string `json:"From"`
	FromName string `json:"FromName"`
	FromFull struct {
		Email string `json:"Email"`
		Name  string `json:"Name"`
	} `json:"FromFull"`
	Subject           string `json:"Subject"`
	MessageID         string `json:"MessageID"`
	TextBody          string `json:"TextBody"`
	HTMLBody          string `json:"HtmlBody"`
	StrippedTextReply string `json:"StrippedTextReply"`
	Headers           []struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	} `json:"Headers"`
}

// header returns the value of a mail header Postmark passed on ("" when absent).
func (in *postmarkInbound) header(name string) string {
	for _, h := range in.Headers {
		if strings.EqualFold(h.Name, name) {
			return strings.TrimSpace(h.Value)
		}
	}
	return ""
}

// stripNUL removes NUL characters from every field: mail may carry them,
// Postgres cannot store them, and refusing would make the provider retry a
// message that can never be stored.
func (in *postmarkInbound) stripNUL() {
	for _, f := range []*string{&in.From, &in.FromName, &in.FromFull.Email, &in.FromFull.Name, &in.Subject,
		&in.MessageID, &in.TextBody, &in.HTMLBody, &in.StrippedTextReply} {
		*f = strings.ReplaceAll(*f, "\x00", "")
	}
	for i := range in.Headers {
		in.Headers[i].Name = strings.ReplaceAll(in.Headers[i].Name, "\x00", "")
		in.Headers[i].Value = strings.ReplaceAll(in.Headers[i].Value, "\x00", "")
	}
}

// failingSpamTests are SpamAssassin's tests (Postmark's X-Spam-Tests) that
// mean the sender's SPF, DKIM or DMARC failed.
var failingSpamTests = []string{"SPF_FAIL", "SPF_SOFTFAIL", "DKIM_INVALID", "T_DKIM_INVALID", "DMARC_REJECT", "DMARC_QUAR", "DMARC_NONE"}

// authResultFail finds a failed check in an Authentication-Results header.
var authResultFail = regexp.MustCompile(`(?i)\b(spf|dkim|dmarc)\s*=\s*(fail|softfail|permerror)\b`)

// authFailure names the sender authentication that failed ("" when none
// did), from what Postmark passes on: its own Received-SPF header (the
// first one: Postmark's receiving server adds it on top), SpamAssassin's
// X-Spam-Tests (SPF_FAIL, DKIM_INVALID, …) and any Authentication-Results.
// Only failures count: a header claiming a pass proves nothing (the sender
// may have written it), and a failure can only make the mail less trusted.
func (in *postmarkInbound) authFailure() string {
	if spf := strings.Fields(strings.ToLower(in.header("Received-SPF"))); len(spf) > 0 && (spf[0] == "fail" || spf[0] == "softfail") {
		return "Received-SPF: " + spf[0]
	}
	for _, test := range strings.FieldsFunc(in.header("X-Spam-Tests"), func(r rune) bool { return r == ',' || r == ' ' }) {
		if slices.Contains(failingSpamTests, strings.ToUpper(test)) {
			return "X-Spam-Tests: " + test
		}
	}
	for _, h := range in.Headers {
		if strings.EqualFold(h.Name, "Authentication-Results") {
			if m := authResultFail.FindStringSubmatch(h.Value); m != nil {
				return "Authentication-Results: " + strings.ToLower(m[1]+"="+m[2])
			}
		}
	}
	return ""
}

var (
	htmlHidden = regexp.MustCompile(`(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>`)
	htmlBreaks = regexp.MustCompile(`(?i)<(br|/p|/div|/li|/tr|/h[1-6])[^>]*>`)
	htmlTags   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// htmlText turns an HTML-only message into plain text for the ticket.
func htmlText(h string) string {
	h = htmlBreaks.ReplaceAllString(htmlHidden.ReplaceAllString(h, ""), "\n")
	lines := strings.Split(html.UnescapeString(htmlTags.ReplaceAllString(h, "")), "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// inboundEmail handles POST /webhooks/inbound-email: Postmark's inbound JSON,
// behind HTTP basic auth (INBOUND_EMAIL_USER / INBOUND_EMAIL_PASSWORD, which go
// into the webhook URL Postmark calls). A redelivery of the same MessageID
// opens no second ticket.
func (s *Server) inboundEmail(w http.ResponseWriter, r *http.Request) {
	if !s.inboundAuthorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="switchboard inbound email"`)
		writeJSONError(w, http.StatusUnauthorized, "inbound email needs the configured basic auth credentials")
		return
	}
	var in postmarkInbound
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 10<<20)).Decode(&in); err != nil {
		writeJSONError(w, http.StatusBadRequest, "body is not Postmark inbound JSON")
		return
	}
	in.stripNUL()
	body := in.TextBody
	if strings.TrimSpace(body) == "" {
		body = htmlText(in.HTMLBody)
	}
	if strings.TrimSpace(body) == "" {
		body = "(empty message)"
	}
	subject := strings.TrimSpace(in.Subject)
	if subject == "" {
		subject = "(no subject)"
	}
	from := strings.TrimSpace(firstNonEmpty(in.FromFull.Email, in.From))
	sourceKey := ""
	if in.MessageID != "" {
		sourceKey = "postmark:" + in.MessageID
	}
	mid := strings.Trim(in.header("Message-ID"), "<> ")
	refs := strings.Join(strings.Fields(in.header("References")), " ")
	// An answer to a reply sent from a ticket goes back on that ticket (when
	// it names a reply this server sent, comes from the ticket's customer and
	// the sender's domain did not fail SPF, DKIM or DMARC) and reopens it.
	tid, noteID, replied, err := s.repliedTicket(r.Context(), in.header("In-Reply-To"), in.header("References"))
	if err != nil {
		s.log.ErrorContext(r.Context(), "inbound email reply check", "err", err, "request_id", requestID(r.Context()))
		writeJSONError(w, http.StatusServiceUnavailable, "could not store the message; Postmark will retry")
		return
	}
	if failed := in.authFailure(); replied && failed != "" {
		s.log.WarnContext(r.Context(), "inbound answer not appended: sender authentication failed", "ticket_id", tid,
			"verdict", failed, "request_id", requestID(r.Context()))
		replied = false
	}
	if replied {
		answer := body
		if s := strings.TrimSpace(in.StrippedTextReply); s != "" {
			answer = s
		}
		appended, err := s.store.AppendCustomerAnswer(r.Context(), store.CustomerAnswer{TicketID: tid, NoteID: noteID, From: from,
			Body: answer, SourceKey: sourceKey, MessageID: mid, References: refs})
		if err != nil {
			s.log.ErrorContext(r.Context(), "inbound email answer", "err", err, "request_id", requestID(r.Context()))
			writeJSONError(w, http.StatusServiceUnavailable, "could not store the message; Postmark will retry")
			return
		}
		if appended {
			_ = writeJSON(w, http.StatusOK, map[string]any{"ticket_id": tid, "appended": true})
			return
		}
	}
	nt := store.NewTicket{Email: from, Subject: subject, Body: body, Channel: store.ChannelEmail, SourceKey: sourceKey,
		EmailMessageID: mid, EmailRefs: refs}
	if msg := nt.Validate(); msg != "" {
		// 403 tells Postmark not to retry a message that will never be valid.
		writeJSONError(w, http.StatusForbidden, msg)
		return
	}
	t, _, err := s.store.CreateTicket(r.Context(), nt, "inbound-email")
	if err != nil {
		s.log.ErrorContext(r.Context(), "inbound email ticket", "err", err, "request_id", requestID(r.Context()))
		writeJSONError(w, http.StatusServiceUnavailable, "could not store the message; Postmark will retry")
		return
	}
	_ = writeJSON(w, http.StatusOK, map[string]any{"ticket_id": t.ID})
}

// inboundAuthorized checks basic auth in constant time; with no credentials
// configured every request is refused.
func (s *Server) inboundAuthorized(r *http.Request) bool {
	user, pw, ok := r.BasicAuth()
	if !ok || s.cfg.InboundUser == "" || s.cfg.InboundPassword == "" {
		return false
	}
	hu, wu := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(s.cfg.InboundUser))
	hp, wp := sha256.Sum256([]byte(pw)), sha256.Sum256([]byte(s.cfg.InboundPassword))
	return subtle.ConstantTimeCompare(hu[:], wu[:])&subtle.ConstantTimeCompare(hp[:], wp[:]) == 1
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
