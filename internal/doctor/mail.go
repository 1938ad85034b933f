package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"

	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

const (
	checkSMTP  = "smtp"
	checkSPF   = "dns.spf"
	checkDKIM  = "dns.dkim"
	checkDMARC = "dns.dmarc"
)

// smtpCheck logs in to the SMTP server the way sending does and quits: no
// mail is sent.
func (d *Doctor) smtpCheck(ctx context.Context) []store.Check {
	if d.cfg.SMTPURL == "" {
		return []store.Check{skip(checkSMTP, "SMTP_URL is not set: mail stays in the console's outbox", "to send mail, set SMTP_URL (smtp://user:pass@host:587) and MAIL_FROM")}
	}
	s, err := mail.ParseSMTP(d.cfg.SMTPURL, d.cfg.MailFrom)
	if err != nil {
		return []store.Check{skip(checkSMTP, "SMTP_URL or MAIL_FROM is invalid (see config.mail)", "fix config.mail first")}
	}
	s.Timeout = d.deps.Timeout
	u, _ := url.Parse(d.cfg.SMTPURL)
	host := u.Host
	err = s.Verify(ctx, d.deps.Dial)
	var op *net.OpError
	switch {
	case err == nil:
		how := "connected"
		if u.User != nil && u.User.Username() != "" {
			how = "accepted the credentials"
		}
		return []store.Check{ok(checkSMTP, host+" "+how+" (no mail sent)")}
	case errors.Is(err, mail.ErrAuth):
		return []store.Check{fail(checkSMTP, host+" refused the credentials: "+shortErr(err), "check the user and password in SMTP_URL (URL-encode special characters) with your mail provider")}
	case offline(err):
		return []store.Check{offlineCheck(checkSMTP, host, err)}
	case errors.As(err, &op) && op.Op == "dial":
		return []store.Check{fail(checkSMTP, "cannot connect to "+host+": "+shortErr(err), "check the host and port in SMTP_URL (587 for STARTTLS, 465 for smtps://) and that outbound SMTP is allowed")}
	}
	return []store.Check{fail(checkSMTP, host+": "+shortErr(err), "check SMTP_URL with your mail provider's settings")}
}

// reserved reports whether a domain can have no public DNS (RFC 2606 and
// 6761 names, and single labels).
func reserved(domain string) bool {
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	if !strings.Contains(d, ".") {
		return true
	}
	for _, tld := range []string{".test", ".example", ".invalid", ".localhost", ".local", ".internal"} {
		if strings.HasSuffix(d, tld) {
			return true
		}
	}
	return d == "example.com" || d == "example.net" || d == "example.org"
}

// dnsChecks look up the sending domain's SPF, DKIM and DMARC records.
func (d *Doctor) dnsChecks(ctx context.Context) []store.Check {
	all := func(c func(string) store.Check) []store.Check {
		return []store.Check{c(checkSPF), c(checkDKIM), c(checkDMARC)}
	}
	if d.cfg.MailFrom == "" {
		return all(func(n string) store.Check {
			return skip(n, "MAIL_FROM is not set: no sending domain to check", "set MAIL_FROM to the sender address on your own domain")
		})
	}
	addr, err := netmail.ParseAddress(d.cfg.MailFrom)
	if err != nil {
		return all(func(n string) store.Check {
			return skip(n, "MAIL_FROM is not an address", `set MAIL_FROM like "Shop <hello@shop.example>"`)
		})
	}
	domain := addr.Address[strings.LastIndex(addr.Address, "@")+1:]
	if reserved(domain) {
		return all(func(n string) store.Check {
			return skip(n, domain+" is a reserved or local name with no public DNS", "send from an address on a public domain you own")
		})
	}
	ctx, cancel := context.WithTimeout(ctx, d.deps.Timeout)
	defer cancel()
	return []store.Check{d.spfCheck(ctx, domain), d.dkimCheck(ctx, domain), d.dmarcCheck(ctx, domain)}
}

// lookup returns the TXT records of name; none is (nil, nil), so a missing
// record and a missing name read the same.
func (d *Doctor) lookup(ctx context.Context, name string) ([]string, error) {
	txt, err := d.deps.Resolver.LookupTXT(ctx, name)
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return nil, nil
	}
	return txt, err
}

func withPrefix(records []string, prefix string) []string {
	var out []string
	for _, r := range records {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(r)), strings.ToLower(prefix)) {
			out = append(out, r)
		}
	}
	return out
}

func (d *Doctor) spfCheck(ctx context.Context, domain string) store.Check {
	txt, err := d.lookup(ctx, domain)
	if err != nil {
		return offlineCheck(checkSPF, "DNS for "+domain, err)
	}
	spf := withPrefix(txt, "v=spf1")
	switch {
	case len(spf) == 0:
		return fail(checkSPF, "no SPF record on "+domain+": receivers may reject or junk its mail", "publish a TXT record on "+domain+` like "v=spf1 include:<your mail provider> ~all" (your provider documents the include)`)
	case len(spf) > 1:
		return fail(checkSPF, fmt.Sprintf("%d SPF records on %s: receivers treat that as an error", len(spf), domain), "merge them into one v=spf1 record")
	case strings.Contains(spf[0], "+all"):
		return warn(checkSPF, "the SPF record on "+domain+" ends in +all: anyone may send as it", "end it with ~all or -all")
	}
	return ok(checkSPF, domain+": "+spf[0])
}

func (d *Doctor) dkimCheck(ctx context.Context, domain string) store.Check {
	if d.cfg.DKIMSelector == "" {
		return skip(checkDKIM, "MAIL_DKIM_SELECTOR is not set, so the DKIM key cannot be looked up", "set MAIL_DKIM_SELECTOR to the selector your mail provider signs with (the s= of a DKIM-Signature header in mail you sent)")
	}
	name := d.cfg.DKIMSelector + "._domainkey." + domain
	txt, err := d.lookup(ctx, name)
	if err != nil {
		return offlineCheck(checkDKIM, "DNS for "+name, err)
	}
	// A DKIM key may come split across several strings; LookupTXT joins
	// those of one record.
	var key string
	for _, r := range txt {
		if strings.Contains(r, "p=") {
			key = r
		}
	}
	switch {
	case key == "":
		return fail(checkDKIM, "no DKIM key at "+name+": mail from "+domain+" is not signed in a way receivers can check", "publish the DKIM record your mail provider gives you at "+name+", or correct MAIL_DKIM_SELECTOR")
	case strings.Contains(strings.ReplaceAll(key, " ", "")+";", "p=;"):
		return fail(checkDKIM, "the DKIM key at "+name+" is revoked (empty p=)", "publish the current key your mail provider gives you, or correct MAIL_DKIM_SELECTOR")
	}
	return ok(checkDKIM, "a DKIM key at "+name)
}

func (d *Doctor) dmarcCheck(ctx context.Context, domain string) store.Check {
	name := "_dmarc." + domain
	txt, err := d.lookup(ctx, name)
	if err != nil {
		return offlineCheck(checkDMARC, "DNS for "+name, err)
	}
	dmarc := withPrefix(txt, "v=DMARC1")
	switch {
	case len(dmarc) == 0:
		return warn(checkDMARC, "no DMARC record at "+name+": Gmail and Yahoo require one from bulk senders", `publish a TXT record at `+name+` like "v=DMARC1; p=none; rua=mailto:dmarc@`+domain+`", then tighten p= once reports are clean`)
	case len(dmarc) > 1:
		return fail(checkDMARC, fmt.Sprintf("%d DMARC records at %s: receivers ignore them all", len(dmarc), name), "keep one v=DMARC1 record")
	}
	return ok(checkDMARC, name+": "+dmarc[0])
}
