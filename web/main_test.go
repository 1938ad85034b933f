package web_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs up to six tests at once unless -parallel is given. Each test
// has a database of its own and spends most of its time waiting on Postgres,
// the browser or its workers rather than on the CPU, so GOMAXPROCS at a time
// (two on the CI machine) left the cores idle and the package took three
// minutes.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "6")
	}
	os.Exit(m.Run())
}
