package store

import (
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
)

// Password policy: counted in characters, not bytes; capped so a huge
// password cannot make hashing and strength estimation slow.
const (
	PasswordMinChars = 12
	PasswordMaxChars = 128
	// passwordMinScore is zxcvbn's score (0–4) a new password needs: 3 is
	// "safely unguessable: moderate protection from offline slow-hash
	// scenarios" (about 10^10 guesses).
	passwordMinScore = 3
)

// PasswordProblem says what is wrong with a new password, or "" when it is
// acceptable. zxcvbn's frequency lists (common passwords from breaches,
// English words, names, keyboard patterns) and the user's own email refuse
// passwords that are long but easy to guess, such as passwordpassword.
func PasswordProblem(pw, email string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		return "The password must be valid text without NUL characters."
	case n < PasswordMinChars:
		return "The password must be at least 12 characters."
	case n > PasswordMaxChars:
		return "The password must be at most 128 characters."
	}
	inputs := []string{"switchboard"}
	if local, domain, ok := strings.Cut(email, "@"); ok {
		inputs = append(inputs, email, local, domain)
	}
	if zxcvbn.PasswordStrength(pw, inputs).Score < passwordMinScore {
		return "That password is too easy to guess (a common or breached password, a word or a pattern). Use a longer passphrase of unrelated words."
	}
	return ""
}
