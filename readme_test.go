package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/jobs"
)

// The README tells operators which event types to enable: it must list exactly
// the ones the worker applies.
func TestReadmeListsHandledEventTypes(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "<!-- event-types:start -->")
	end := strings.Index(s, "<!-- event-types:end -->")
	if start < 0 || end < start {
		t.Fatal("README.md has no event-types block")
	}
	block := strings.Trim(s[start+len("<!-- event-types:start -->"):end], "\n`")
	got := strings.Fields(block)
	want := jobs.HandledTypes()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("README event types:\n%v\nwant:\n%v", got, want)
	}
}
