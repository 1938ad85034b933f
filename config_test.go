package main

import (
	"os"
	"strings"
	"testing"
)

// Every setting is named once (config.vars), shown once on the settings page
// with its secrets masked, and documented in the README's Configuration table.
func TestEverySettingIsNamedOnceShownAndDocumented(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var c config
	seen := map[string]bool{}
	for _, s := range c.settings() {
		if seen[s.Name] {
			t.Errorf("%s is listed twice", s.Name)
		}
		seen[s.Name] = true
		if !strings.Contains(string(readme), "`"+s.Name+"`") {
			t.Errorf("%s is not documented in README.md", s.Name)
		}
		secretish := strings.Contains(s.Name, "SECRET") || strings.Contains(s.Name, "TOKEN") ||
			strings.Contains(s.Name, "PASSWORD") || s.Name == "DATABASE_URL" || s.Name == "SMTP_URL"
		if secretish && !s.Secret {
			t.Errorf("%s looks secret but is not masked", s.Name)
		}
	}
	if len(seen) < 25 {
		t.Errorf("settings: got %d, want every variable", len(seen))
	}
}
