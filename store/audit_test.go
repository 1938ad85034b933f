package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/pgtest"
	"github.com/switchboardhq/switchboard/store"
)

// TestAuditLogIsAppendOnly: audit rows can be added, never changed, deleted
// or truncated away, and an entry carries the origin its context holds.
func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	st := store.New(pool)
	ctx := store.WithAuditOrigin(context.Background(), store.AuditOrigin{Address: "2001:db8::1",
		UserAgent: "agent\x00with a NUL and \xff" + strings.Repeat("x", 400), RequestID: "req-1"})
	if err := st.Audit(ctx, "ana@example.com", "user.disable", "user:7", nil); err != nil {
		t.Fatal(err)
	}
	es, err := st.AuditEntries(ctx, store.AuditFilter{}, 10)
	if err != nil || len(es) != 1 {
		t.Fatalf("audit entries: got %d (%v), want 1", len(es), err)
	}
	if e := es[0]; e.Address != "2001:db8::1" || e.RequestID != "req-1" || len(e.UserAgent) > 256 ||
		!strings.HasPrefix(e.UserAgent, "agentwith a NUL and \uFFFD") {
		t.Fatalf("entry origin: got %q, %q, %q", e.Address, e.RequestID, e.UserAgent)
	}
	for _, sql := range []string{`UPDATE audit_log SET actor = 'someone else'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := pool.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want it refused as append-only", sql, err)
		}
	}
	if guarded, _, err := st.AuditAppendOnly(ctx); err != nil || !guarded {
		t.Fatalf("AuditAppendOnly: got %v (%v), want guarded", guarded, err)
	}
}
