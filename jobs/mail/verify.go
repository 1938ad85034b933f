package mail

import (
	"context"
	"crypto/tls"
	"net"
	"slices"

	gomail "github.com/wneessen/go-mail"
)

// DialFunc opens a network connection (net.Dialer.DialContext is one).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Verify proves the SMTP settings work without sending mail: it connects,
// says EHLO, starts TLS when the server offers it (smtps:// speaks TLS from
// the start), authenticates with SMTP_URL's credentials the way Send does,
// and quits. A refused login is ErrAuth. dial, when not nil, replaces the
// network dialer (tests use it to stay offline).
func (s *SMTP) Verify(ctx context.Context, dial DialFunc) error {
	opts := slices.Clone(s.opts)
	if dial != nil {
		d := dial
		if s.implicitTLS {
			// go-mail wraps TLS itself only around its own dialer.
			d = func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := dial(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				tc := tls.Client(c, &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12})
				if err := tc.HandshakeContext(ctx); err != nil {
					c.Close()
					return nil, err
				}
				return tc, nil
			}
		}
		opts = append(opts, gomail.WithDialContextFunc(gomail.DialContextFunc(d)))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return classify(err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	if err := c.DialWithContext(ctx); err != nil {
		return classify(err)
	}
	if err := c.Close(); err != nil {
		return classify(err)
	}
	return nil
}
