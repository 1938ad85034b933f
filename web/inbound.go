package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
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
	// it comes from the ticket's customer) and reopens it.
	if tid, ok := repliedTicket(in.header("In-Reply-To"), in.header("References")); ok {
		answer := body
		if s := strings.TrimSpace(in.StrippedTextReply); s != "" {
			answer = s
		}
		appended, err := s.store.AppendCustomerAnswer(r.Context(), store.CustomerAnswer{TicketID: tid, From: from, Body: answer,
			SourceKey: sourceKey, MessageID: mid, References: refs})
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
