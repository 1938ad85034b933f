package jobs

import (
	"encoding/json"
	"testing"
	"time"
)

func TestWithAccountSetsAMissingAccount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, raw, account, want string }{
		{"platform event untouched", `{"id":"evt_1","b":"<&>"}`, "", `{"id":"evt_1","b":"<&>"}`},
		{"account already set", `{"id":"evt_1","account":"acct_9"}`, "acct_1", `{"id":"evt_1","account":"acct_9"}`},
		{"account missing", `{"id":"evt_1","b":"<&>"}`, "acct_1", `{"account":"acct_1","b":"<&>","id":"evt_1"}`},
		{"account null", `{"id":"evt_1","account":null}`, "acct_1", `{"account":"acct_1","id":"evt_1"}`},
	} {
		got, err := withAccount(json.RawMessage(tc.raw), tc.account)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: got %s %v, want %s", tc.name, got, err, tc.want)
		}
	}
	if _, err := withAccount(json.RawMessage(`[1]`), "acct_1"); err == nil {
		t.Error("a list was taken for an event")
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]time.Duration{"1": time.Second, "0": 0, "30": 30 * time.Second} {
		if got, ok := parseRetryAfter(v); !ok || got != want {
			t.Errorf("%q: got %s %v, want %s", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "soon", "-3"} {
		if _, ok := parseRetryAfter(v); ok {
			t.Errorf("%q: got ok, want not", v)
		}
	}
	if got, ok := parseRetryAfter(time.Now().Add(5 * time.Second).UTC().Format(http1123)); !ok || got < 3*time.Second || got > 5*time.Second {
		t.Errorf("an HTTP date 5 s ahead: got %s %v", got, ok)
	}
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

func TestClampSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if got, clamped := ClampSince(now.Add(-72*time.Hour), now); clamped || !got.Equal(now.Add(-72*time.Hour)) {
		t.Errorf("72h: got %s %v, want unchanged", got, clamped)
	}
	if got, clamped := ClampSince(now.Add(-45*24*time.Hour), now); !clamped || !got.Equal(now.Add(-EventRetention)) {
		t.Errorf("45 days: got %s %v, want 30 days back, clamped", got, clamped)
	}
}
