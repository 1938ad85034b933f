package store_test

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/store"
)

func TestPasswordProblem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, pw string
		ok       bool
	}{
		{"six accented letters (12 bytes)", "éèêëàâ", false},
		{"repeated common word", "passwordpassword", false},
		{"breached password", "iloveyou123456", false},
		{"keyboard walk", "qwertyuiop1234", false},
		{"the email itself", "ana.lima@example.com", false},
		{"too long", strings.Repeat("Zq8!xw", 30), false},
		{"NUL", "correct horse\x00battery staple", false},
		{"passphrase", "correct horse battery staple", true},
		{"accented passphrase", "évêque sorbet gâteau violon", true},
		{"random", "T7r#pQ2v!mZx9w", true},
	} {
		got := store.PasswordProblem(tc.pw, "ana.lima@example.com")
		if (got == "") != tc.ok {
			t.Errorf("%s (%q): got %q, want ok=%v", tc.name, tc.pw, got, tc.ok)
		}
	}
}
