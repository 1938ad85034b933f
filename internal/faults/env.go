package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// Env is one test's world: its own cluster, the server as a child process,
// the SMTP and CRM fakes it talks to, and a pool for the test's own queries.
type Env struct {
	T    testing.TB
	PG   *Postgres
	Srv  *Server
	SMTP *apptest.SMTP
	CRM  *CRM
	DB   *pgxpool.Pool

	token string
}

// Setup starts a cluster, the fakes and a server with env on top of the
// defaults (SMTP and the CRM webhook configured, LOG_LEVEL=info).
func Setup(t testing.TB, env map[string]string) *Env {
	t.Helper()
	e := &Env{T: t, PG: StartPostgres(t), SMTP: apptest.NewSMTP(t), CRM: NewCRM(t)}
	all := map[string]string{
		"SMTP_URL": e.SMTP.URL(), "CRM_PROVIDER": "webhook", "CRM_WEBHOOK_URL": e.CRM.URL, "CRM_WEBHOOK_SECRET": CRMSecret,
	}
	for k, v := range env {
		all[k] = v
	}
	e.Srv = NewServer(t, e.PG, all)
	e.DB = e.PG.Pool(t)
	return e
}

// Sender returns a sender to this env's server.
func (e *Env) Sender(concurrency int) *Sender {
	return &Sender{URL: e.Srv.URL, Concurrency: concurrency}
}

// Count runs a count query; -1 when the database does not answer.
func (e *Env) Count(q string, args ...any) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := e.DB.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		e.T.Logf("count %q: %v", q, err)
		return -1
	}
	return n
}

// Eventually polls cond every 250 ms until it holds or timeout passes.
func Eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Unprocessed is how many of ids are not processed (or ignored) in the
// ledger, missing ones included.
func (e *Env) Unprocessed(ids []string) int {
	n := e.Count(`SELECT count(*) FROM stripe_events WHERE id = ANY($1) AND status IN ('processed', 'ignored')`, ids)
	if n < 0 {
		return len(ids)
	}
	return len(ids) - n
}

// Missing is how many of ids are not in the ledger at all.
func (e *Env) Missing(ids []string) int {
	n := e.Count(`SELECT count(*) FROM stripe_events WHERE id = ANY($1)`, ids)
	if n < 0 {
		return len(ids)
	}
	return len(ids) - n
}

// periodicKinds are jobs River schedules by itself; they never "drain".
const periodicKinds = `('webhook_watch')`

// Jobs counts River jobs by state (periodic ones left out).
func (e *Env) Jobs() map[string]int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := map[string]int{}
	rows, err := e.DB.Query(ctx, `SELECT state::text, kind, count(*) FROM river_job WHERE kind NOT IN `+periodicKinds+` GROUP BY 1, 2`)
	if err != nil {
		out["query_error"] = 1
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var state, kind string
		var n int
		if rows.Scan(&state, &kind, &n) == nil {
			out[state] += n
			out[state+":"+kind] += n
		}
	}
	return out
}

// Unfinished is how many jobs are not finished (running, available,
// retryable, scheduled, pending).
func (e *Env) Unfinished() int {
	j := e.Jobs()
	return j["running"] + j["available"] + j["retryable"] + j["scheduled"] + j["pending"] + j["query_error"]
}

// JobSummary describes the unfinished jobs by state and kind.
func (e *Env) JobSummary() string {
	var parts []string
	for k, n := range e.Jobs() {
		if strings.Contains(k, ":") && !strings.HasPrefix(k, "completed") && !strings.HasPrefix(k, "cancelled") && !strings.HasPrefix(k, "discarded") {
			parts = append(parts, fmt.Sprintf("%s×%d", k, n))
		}
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// MailReport compares the messages table with what the SMTP fake received.
type MailReport struct {
	Messages   int      // customer messages in the database
	Received   int      // messages the SMTP server received
	Duplicates int      // Message-IDs received more than once, counted once each
	Unknown    int      // messages marked unknown
	Problems   []string // one line each
}

// Mail builds the report: every message sent is received exactly once, an
// unknown one at most once and with an open email_unknown alert; no message is
// left unsent, and nothing arrives that the database does not know.
func (e *Env) Mail() MailReport {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := map[string]int{}
	var r MailReport
	for _, m := range e.SMTP.Messages() {
		got[strings.Trim(m.MessageID, "<> ")]++
		r.Received++
	}
	for id, n := range got {
		if n > 1 {
			r.Duplicates++
			r.Problems = append(r.Problems, fmt.Sprintf("Message-ID %s received %d times", id, n))
		}
	}
	rows, err := e.DB.Query(ctx, `SELECT id, key, status FROM messages WHERE kind <> 'alert' ORDER BY id`)
	if err != nil {
		r.Problems = append(r.Problems, "reading messages: "+err.Error())
		return r
	}
	known := map[string]bool{}
	var unknownIDs []int64
	for rows.Next() {
		var id int64
		var key, status string
		if err := rows.Scan(&id, &key, &status); err != nil {
			r.Problems = append(r.Problems, err.Error())
			break
		}
		r.Messages++
		mid := jobs.MessageID(key)
		known[mid] = true
		switch n := got[mid]; status {
		case "sent":
			if n == 0 {
				r.Problems = append(r.Problems, fmt.Sprintf("message %d (%s) is sent but never reached the SMTP server", id, key))
			}
		case "unknown":
			r.Unknown++
			unknownIDs = append(unknownIDs, id)
		default:
			r.Problems = append(r.Problems, fmt.Sprintf("message %d (%s) is still %s (received %d times)", id, key, status, n))
		}
	}
	rows.Close()
	for mid := range got {
		if !known[mid] {
			r.Problems = append(r.Problems, "the SMTP server received "+mid+", which no message row has")
		}
	}
	if len(unknownIDs) > 0 && e.Count(`SELECT count(*) FROM alerts WHERE kind = 'email_unknown' AND resolved_at IS NULL`) < 1 {
		r.Problems = append(r.Problems, fmt.Sprintf("messages %v are unknown but no email_unknown alert is open", unknownIDs))
	}
	return r
}

// CRMOutOfDate lists accounts whose contact at the CRM is missing or has
// another payment_state (or email) than the database.
func (e *Env) CRMOutOfDate() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	contacts := e.CRM.Contacts()
	rows, err := e.DB.Query(ctx, `SELECT id, coalesce(email, ''), payment_state FROM accounts ORDER BY id`)
	if err != nil {
		return []string{"reading accounts: " + err.Error()}
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var email, state string
		if err := rows.Scan(&id, &email, &state); err != nil {
			return append(out, err.Error())
		}
		c, ok := contacts[id]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("account %d (%s): no contact at the CRM", id, state))
		case c.PaymentState != state || c.Email != email:
			out = append(out, fmt.Sprintf("account %d: CRM has %s/%q, database %s/%q", id, c.PaymentState, c.Email, state, email))
		}
	}
	return out
}

// Token is an API token, created once with `switchboard token create`.
func (e *Env) Token() string {
	e.T.Helper()
	if e.token == "" {
		out, err := e.Srv.Run("token", "create", "--name", "faults", "--scope", strings.Join(store.Scopes, ","))
		if err != nil {
			e.T.Fatalf("switchboard token create: %v\n%s", err, out)
		}
		lines := strings.Fields(strings.TrimSpace(out))
		e.token = lines[len(lines)-1]
	}
	return e.token
}

// APIEvent is GET /api/v1/events/{id}.
type APIEvent struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

// Event reads an event through the JSON API.
func (e *Env) Event(id string) APIEvent {
	e.T.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.Srv.URL+"/api/v1/events/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+e.Token())
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		e.T.Fatalf("GET /api/v1/events/%s: %v", id, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var ev APIEvent
	if resp.StatusCode != 200 || json.Unmarshal(b, &ev) != nil {
		e.T.Fatalf("GET /api/v1/events/%s: got %d %s", id, resp.StatusCode, b)
	}
	return ev
}

// SlowAnswers reads the server's own answer-time histogram from /metrics and
// returns how many answers on route (a pattern such as "POST
// /webhooks/stripe") took longer than over seconds, which must be one of the
// histogram's bounds, and how many answers there were. The server measures
// from the handler's start, so a client's wait for a busy core is not counted.
// It counts since the server's last start.
func (e *Env) SlowAnswers(route string, over string) (slow, total int) {
	e.T.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.Srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+e.Token())
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		e.T.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.T.Fatalf("GET /metrics: got %d %s", resp.StatusCode, b)
	}
	const name = "switchboard_http_request_duration_seconds"
	routeLabel := fmt.Sprintf("route=%q", route)
	var within int
	found := false
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, routeLabel) {
			continue
		}
		f := strings.Fields(l)
		var n int
		if len(f) < 2 || func() bool { _, err := fmt.Sscan(f[len(f)-1], &n); return err != nil }() {
			continue
		}
		switch {
		case strings.HasPrefix(l, name+"_count{"):
			total += n
		case strings.HasPrefix(l, name+"_bucket{") && strings.Contains(l, fmt.Sprintf("le=%q", over)):
			within += n
			found = true
		}
	}
	if total > 0 && !found {
		e.T.Fatalf("/metrics has no bucket le=%q for %s", over, route)
	}
	return total - within, total
}

// LogLines are the server's log lines that match re.
func (e *Env) LogLines(re string) []string {
	rx := regexp.MustCompile(re)
	var out []string
	for _, l := range strings.Split(e.Srv.Log(), "\n") {
		if rx.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// first returns up to n items of a list, for failure messages.
func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("… and %d more", len(xs)-n))
	}
	return xs
}

// Ledger checks the story against the database: one order per PaymentIntent
// and no other, with its amount, refunded amount and status.
func (e *Env) Ledger(st *Story) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type order struct {
		n                int
		amount, refunded int64
		status           string
	}
	got := map[string]*order{}
	rows, err := e.DB.Query(ctx, `SELECT coalesce(stripe_payment_intent_id, ''), amount, refunded_amount, status FROM orders`)
	if err != nil {
		return []string{"reading orders: " + err.Error()}
	}
	total := 0
	for rows.Next() {
		var pi string
		var o order
		if err := rows.Scan(&pi, &o.amount, &o.refunded, &o.status); err != nil {
			rows.Close()
			return []string{err.Error()}
		}
		total++
		if prev, ok := got[pi]; ok {
			prev.n++
			continue
		}
		o.n = 1
		got[pi] = &o
	}
	rows.Close()
	var out []string
	if total != len(st.Payments) {
		out = append(out, fmt.Sprintf("orders: got %d, want %d (one per PaymentIntent)", total, len(st.Payments)))
	}
	for _, p := range st.Payments {
		want := "paid"
		switch {
		case p.Dispute == "lost":
			want = "charged_back"
		case p.Refunded > 0 && p.Refunded == p.Amount:
			want = "refunded"
		case p.Refunded > 0:
			want = "partially_refunded"
		}
		o, ok := got[p.PI]
		switch {
		case !ok:
			out = append(out, "no order for "+p.PI)
		case o.n != 1:
			out = append(out, fmt.Sprintf("%s has %d orders", p.PI, o.n))
		case o.amount != p.Amount || o.refunded != p.Refunded || o.status != want:
			out = append(out, fmt.Sprintf("order of %s: got %d/%d %s, want %d/%d %s", p.PI, o.amount, o.refunded, o.status, p.Amount, p.Refunded, want))
		}
	}
	return out
}

// UnprocessedDetail describes up to n unprocessed events of ids: status,
// attempts, last error and their jobs' states.
func (e *Env) UnprocessedDetail(ids []string, n int) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := e.DB.Query(ctx, `
		SELECT i.id, coalesce(ev.status, 'missing'), coalesce(ev.attempts, 0), left(coalesce(ev.last_error, ''), 160),
			coalesce((SELECT string_agg(j.state::text || '/' || j.attempt, ',') FROM river_job j
				WHERE j.kind = 'stripe_event' AND j.args->>'event_id' = i.id), 'no job')
		FROM unnest($1::text[]) AS i(id) LEFT JOIN stripe_events ev ON ev.id = i.id
		WHERE ev.status IS NULL OR ev.status NOT IN ('processed', 'ignored')
		ORDER BY 1 LIMIT $2`, ids, n)
	if err != nil {
		return []string{err.Error()}
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, status, lastErr, jobs string
		var attempts int
		if err := rows.Scan(&id, &status, &attempts, &lastErr, &jobs); err != nil {
			return append(out, err.Error())
		}
		out = append(out, fmt.Sprintf("%s: %s, %d attempts, jobs %s, last error %q", id, status, attempts, jobs, lastErr))
	}
	return out
}

// MailPending is how many customer messages are not in a final state (sent,
// unknown, failed).
func (e *Env) MailPending() int {
	return e.Count(`SELECT count(*) FROM messages WHERE kind <> 'alert' AND status NOT IN ('sent', 'unknown', 'failed')`)
}

// Drained reports whether the work of ids is all done: every event processed,
// no job left to run, no message waiting, and the CRM in step.
func (e *Env) Drained(ids []string) bool {
	return e.Unprocessed(ids) == 0 && e.Unfinished() == 0 && e.MailPending() == 0 && len(e.CRMOutOfDate()) == 0
}

type messageRow struct {
	id          int64
	key, status string
}

func (e *Env) messageRows() []messageRow {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := e.DB.Query(ctx, `SELECT id, key, status FROM messages WHERE kind <> 'alert' ORDER BY id`)
	if err != nil {
		e.T.Logf("reading messages: %v", err)
		return nil
	}
	defer rows.Close()
	var out []messageRow
	for rows.Next() {
		var m messageRow
		if rows.Scan(&m.id, &m.key, &m.status) == nil {
			out = append(out, m)
		}
	}
	return out
}

func trimID(mid string) string { return strings.Trim(mid, "<> ") }
