package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

const checkTLS = "tls"

// expirySoon is how close to expiry a certificate warns.
const expirySoon = 14 * 24 * time.Hour

// tlsCheck connects to BASE_URL's host and checks its certificate: trusted,
// for that name, and not near expiry.
func (d *Doctor) tlsCheck(ctx context.Context) []store.Check {
	u, err := url.Parse(d.cfg.BaseURL)
	if err != nil || u.Scheme != "https" {
		return []store.Check{skip(checkTLS, "BASE_URL is not https: no certificate to check", "")}
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
	}
	addr := net.JoinHostPort(host, port)
	ctx, cancel := context.WithTimeout(ctx, d.deps.Timeout)
	defer cancel()
	conn, err := d.deps.Dial(ctx, "tcp", addr)
	if err != nil {
		if offline(err) {
			return []store.Check{offlineCheck(checkTLS, addr, err)}
		}
		return []store.Check{fail(checkTLS, "cannot connect to "+addr+": "+shortErr(err), "check that the console (or its load balancer) serves https on "+addr)}
	}
	defer conn.Close()
	tc := tls.Client(conn, &tls.Config{ServerName: host, RootCAs: d.deps.RootCAs, Time: d.deps.Now, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		var unknown x509.UnknownAuthorityError
		var invalid x509.CertificateInvalidError
		var name x509.HostnameError
		switch {
		case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
			return []store.Check{fail(checkTLS, "the certificate for "+host+" has expired or is not yet valid", "renew it now (and check the renewal job that should have)")}
		case errors.As(err, &name):
			return []store.Check{fail(checkTLS, "the certificate does not cover "+host+": "+shortErr(err), "issue a certificate for "+host)}
		case errors.As(err, &unknown):
			return []store.Check{fail(checkTLS, "the certificate for "+host+" is not signed by a trusted authority", "serve a certificate from a public CA (e.g. Let's Encrypt) with its full chain")}
		case offline(err):
			return []store.Check{offlineCheck(checkTLS, addr, err)}
		}
		return []store.Check{fail(checkTLS, "TLS handshake with "+addr+" failed: "+shortErr(err), "check the certificate and TLS settings of the console's server or load balancer")}
	}
	leaf := tc.ConnectionState().PeerCertificates[0]
	left := leaf.NotAfter.Sub(d.deps.Now())
	detail := fmt.Sprintf("valid for %s, issued by %s, expires %s (in %d days)", host, issuer(leaf), leaf.NotAfter.UTC().Format("2006-01-02"), int(left.Hours()/24))
	if left < expirySoon {
		return []store.Check{warn(checkTLS, detail, "renew the certificate now; if it renews automatically, check why it has not")}
	}
	return []store.Check{ok(checkTLS, detail)}
}

// issuer names a certificate's issuer: its common name, else its organization.
func issuer(c *x509.Certificate) string {
	switch {
	case c.Issuer.CommonName != "":
		return c.Issuer.CommonName
	case len(c.Issuer.Organization) > 0:
		return c.Issuer.Organization[0]
	}
	return "an unnamed issuer"
}
