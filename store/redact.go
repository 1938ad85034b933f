package store

import (
	"regexp"
	"strings"
)

var secretPatterns = []*regexp.Regexp{
	// Stripe secret, restricted and webhook keys; our API tokens.
	regexp.MustCompile(`\b(sk|rk)_(live|test)_[A-Za-z0-9]{8,}`),
	regexp.MustCompile(`\bwhsec_[A-Za-z0-9+/=]{8,}`),
	regexp.MustCompile(`\bsbt_[A-Za-z0-9_-]{16,}`),
	// HubSpot private-app tokens.
	regexp.MustCompile(`\bpat-[a-z0-9]{2,4}-[A-Za-z0-9-]{16,}`),
	// Bearer tokens in pasted headers.
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{12,}`),
	// Passwords in connection strings.
	regexp.MustCompile(`(://[^:/@\s]+:)[^@\s]+@`),
}

var cardCandidate = regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`)

// Redact replaces secrets in free text (Stripe keys, webhook secrets, API and
// bearer tokens, passwords in URLs, and card numbers that pass the Luhn check)
// with [redacted]. Tickets, logs and pages show text only after this.
func Redact(s string) string {
	for i, re := range secretPatterns {
		if i == len(secretPatterns)-1 {
			s = re.ReplaceAllString(s, "${1}[redacted]@")
			continue
		}
		s = re.ReplaceAllString(s, "[redacted]")
	}
	return cardCandidate.ReplaceAllStringFunc(s, func(m string) string {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
		if len(digits) >= 13 && len(digits) <= 19 && luhn(digits) {
			return "[redacted card]"
		}
		return m
	})
}

func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}
