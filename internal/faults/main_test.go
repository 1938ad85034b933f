package faults

import (
	"flag"
	"os"
	"testing"
)

// TestMain builds the binary once (lazily, in the first test that needs it) and
// removes it and the template cluster at the end. These tests spend their time
// waiting on child processes (restarts, timeouts, drains), not on the CPU, so
// unless -parallel is given they all run at once rather than GOMAXPROCS at a
// time; that keeps the package within make test's budget on two cores.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "16")
	}
	code := m.Run()
	Cleanup()
	os.Exit(code)
}
