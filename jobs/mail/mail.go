// Package mail sends Switchboard's email over SMTP (with wneessen/go-mail) and
// renders its messages from templates. Only workers use it.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one email, already rendered.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// MessageID is stable per business event, so a receiver can drop a
	// duplicate if a send is repeated after a crash.
	MessageID string
	// InReplyTo and References thread a reply into the customer's
	// conversation (Message-IDs, without angle brackets; References space
	// separated).
	InReplyTo  string
	References string
}

// Sender sends one message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrAuth is a send that the server refused because the credential is wrong.
var ErrAuth = errors.New("smtp authentication failed")

// SMTP sends through one SMTP server.
type SMTP struct {
	From    string
	host    string
	opts    []gomail.Option
	Timeout time.Duration
	// implicitTLS is smtps://: TLS from the first byte.
	implicitTLS bool
}

// ParseSMTP reads SMTP_URL: smtp://user:pass@host:port (STARTTLS when the
// server offers it, port 587 by default), smtps://… (implicit TLS, port 465),
// or smtp://…?tls=none for a local relay without TLS. from is MAIL_FROM.
func ParseSMTP(raw, from string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, errors.New("SMTP_URL is not a URL like smtp://user:pass@host:587")
	}
	if from == "" {
		return nil, errors.New("MAIL_FROM is not set: mail needs a sender address")
	}
	s := &SMTP{From: from, host: u.Hostname(), Timeout: 15 * time.Second}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, errors.New("SMTP_URL has a port that is not a number")
		}
	}
	switch u.Scheme {
	case "smtp":
		policy := gomail.TLSOpportunistic
		if u.Query().Get("tls") == "none" {
			policy = gomail.NoTLS
		}
		s.opts = append(s.opts, gomail.WithTLSPortPolicy(policy))
		if port == 0 {
			port = 587
		}
	case "smtps":
		s.opts = append(s.opts, gomail.WithSSL())
		s.implicitTLS = true
		if port == 0 {
			port = 465
		}
	default:
		return nil, fmt.Errorf("SMTP_URL scheme %q: use smtp or smtps", u.Scheme)
	}
	s.opts = append(s.opts, gomail.WithPort(port), gomail.WithTimeout(s.Timeout))
	if u.User != nil && u.User.Username() != "" {
		pw, _ := u.User.Password()
		// Without TLS only PLAIN is possible, and only because tls=none says
		// the relay is trusted (a local one); otherwise the strongest
		// mechanism the server offers over TLS.
		auth := gomail.SMTPAuthAutoDiscover
		if u.Query().Get("tls") == "none" {
			auth = gomail.SMTPAuthPlainNoEnc
		}
		s.opts = append(s.opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	return s, nil
}

// Send delivers one message with a plain-text body and an HTML alternative.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("MAIL_FROM: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(m.Subject)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	}
	if m.InReplyTo != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, angle(m.InReplyTo))
	}
	if refs := strings.Fields(m.References); len(refs) > 0 {
		for i, r := range refs {
			refs[i] = angle(r)
		}
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(err)
	}
	return nil
}

// classify marks refused credentials with ErrAuth and strips anything that
// could carry the password.
func classify(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) && (tp.Code == 535 || tp.Code == 534 || tp.Code == 530) {
		return fmt.Errorf("%w: %d %s", ErrAuth, tp.Code, tp.Msg)
	}
	msg := err.Error()
	if strings.Contains(strings.ToLower(msg), "auth") && strings.Contains(msg, "535") {
		return fmt.Errorf("%w: %s", ErrAuth, msg)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("smtp: timed out: %w", err)
	}
	return fmt.Errorf("smtp: %w", err)
}

// angle writes a Message-ID in angle brackets, as mail headers carry it.
func angle(id string) string { return "<" + strings.Trim(id, "<> ") + ">" }
