package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// make run prints the URL the server really listens on: BASE_URL when set,
// else one derived from LISTEN_ADDR.
func TestRunPrintsTheListeningURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ base, listen, want string }{
		{"", "", "http://localhost:8080"},
		{"", ":9090", "http://localhost:9090"},
		{"", "127.0.0.1:7000", "http://127.0.0.1:7000"},
		{"", "0.0.0.0:7001", "http://localhost:7001"},
		{"", "[::]:7002", "http://localhost:7002"},
		{"https://ops.example.com/", ":9090", "https://ops.example.com"},
	} {
		cmd := exec.Command("scripts/console-url.sh")
		cmd.Env = append(os.Environ(), "BASE_URL="+c.base, "LISTEN_ADDR="+c.listen)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("BASE_URL=%q LISTEN_ADDR=%q: %v", c.base, c.listen, err)
		}
		if got := strings.TrimSpace(string(out)); got != c.want {
			t.Errorf("BASE_URL=%q LISTEN_ADDR=%q: got %q, want %q", c.base, c.listen, got, c.want)
		}
	}
	b, err := os.ReadFile("scripts/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, "console_url=$(scripts/console-url.sh)") || strings.Contains(s, "localhost:8080") {
		t.Error("scripts/run.sh does not print the URL from scripts/console-url.sh")
	}
}
