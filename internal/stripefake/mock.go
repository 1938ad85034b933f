package stripefake

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// MockVersion is the stripe-mock release tests run: Stripe's own mock, which
// checks each request's shape against Stripe's OpenAPI spec.
const MockVersion = "v0.203.0"

var (
	mockOnce sync.Once
	mockBin  string
	mockErr  error
)

// mockBinary builds stripe-mock once per test process (go install from the
// module proxy, cached in the user's cache directory across runs).
func mockBinary() (string, error) {
	mockOnce.Do(func() {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		dir = filepath.Join(dir, "switchboard", "stripe-mock-"+MockVersion)
		mockBin = filepath.Join(dir, "stripe-mock")
		if _, err := os.Stat(mockBin); err == nil {
			return
		}
		cmd := exec.Command("go", "install", "github.com/stripe/stripe-mock@"+MockVersion)
		cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			mockErr = &mockError{"go install github.com/stripe/stripe-mock@" + MockVersion + ": " + err.Error() + ": " + string(out)}
		}
	})
	return mockBin, mockErr
}

type mockError struct{ s string }

func (e *mockError) Error() string { return e.s }

// Mock starts stripe-mock on a loopback port for the test and returns its URL
// (the STRIPE_API_BASE to give a client). It fails the test when stripe-mock
// cannot be built or started: a shape check that silently did not run would
// pass for the wrong reason.
func Mock(t testing.TB) string {
	t.Helper()
	bin, err := mockBinary()
	if err != nil {
		t.Fatalf("stripe-mock: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting stripe-mock: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "Listening for HTTP at address: "); ok {
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(90 * time.Second):
		t.Fatal("stripe-mock did not start listening within 90 s")
	}
	return ""
}
