package apptest

import (
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTP is an SMTP server in the test process (emersion/go-smtp) that requires
// AUTH PLAIN, keeps what it receives, and can refuse: a temporary 451 for the
// next N messages, or every login (a wrong password).
type SMTP struct {
	Addr     string
	User     string
	Password string

	mu       sync.Mutex
	msgs     []Mail
	failNext int
	// delay holds the final reply to DATA after a message is kept (SetDelay).
	delay    time.Duration
	inFlight int
	// OnMail is called for each accepted message (the benchmark times arrivals).
	OnMail func(Mail)
	srv    *smtp.Server
}

// Mail is one received message.
type Mail struct {
	From      string
	To        []string
	Subject   string
	MessageID string
	Raw       string
	At        time.Time
}

// NewSMTP starts an SMTP server on a loopback port.
func NewSMTP(t testing.TB) *SMTP {
	s := &SMTP{User: "mailer", Password: "smtp-pass-0123456789"}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// URL is an SMTP_URL for this server (no TLS: it is local).
func (s *SMTP) URL() string {
	return "smtp://" + s.User + ":" + s.Password + "@" + s.Addr + "?tls=none"
}

// FailNext makes the next n messages fail with a temporary 451.
func (s *SMTP) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// SetDelay makes the server keep each message and then wait d before it
// answers the DATA command: the message is delivered, the sender does not know
// yet. A sender that dies in that window cannot tell whether it sent.
func (s *SMTP) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// InFlight is how many kept messages still wait for their reply (SetDelay).
func (s *SMTP) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// Messages returns what was received so far.
func (s *SMTP) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.msgs...)
}

type smtpSession struct {
	s    *SMTP
	auth bool
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.User || pass != ss.s.Password {
			return smtp.ErrAuthFailed
		}
		ss.auth = true
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	if ss.s.failNext > 0 {
		ss.s.failNext--
		ss.s.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Requested action aborted: local error in processing"}
	}
	m := Mail{From: ss.from, To: ss.to, Raw: string(b), At: time.Now()}
	if pm, err := mail.ReadMessage(strings.NewReader(m.Raw)); err == nil {
		dec := new(mime.WordDecoder)
		m.Subject, _ = dec.DecodeHeader(pm.Header.Get("Subject"))
		m.MessageID = pm.Header.Get("Message-Id")
	}
	ss.s.msgs = append(ss.s.msgs, m)
	hook, delay := ss.s.OnMail, ss.s.delay
	if delay > 0 {
		ss.s.inFlight++
	}
	ss.s.mu.Unlock()
	if hook != nil {
		hook(m)
	}
	if delay > 0 {
		time.Sleep(delay)
		ss.s.mu.Lock()
		ss.s.inFlight--
		ss.s.mu.Unlock()
	}
	return nil
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }
