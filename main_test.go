package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/pgtest"
	"github.com/switchboardhq/switchboard/store"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestCommandsNeedDatabaseURL(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	for _, args := range [][]string{{"migrate"}, {"token", "create", "--name", "x", "--scope", "read"}, {"replay", "evt_1"}} {
		_, err := runCmd(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "DATABASE_URL is not set") {
			t.Fatalf("%v: got %v, want a clear DATABASE_URL error", args, err)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	cases := [][]string{{"bogus"}, {"user"}, {"user", "add", "--role", "admin"}, {"user", "add", "--email", "a@b.co", "--role", "king"},
		{"user", "add", "--email", "s@b.co", "--role", "seller"}, {"token", "create"}, {"replay"}}
	for _, args := range cases {
		if _, err := runCmd(t, "", args...); err == nil {
			t.Errorf("%v: got no error", args)
		}
	}
	t.Setenv("APP_ENV", "prod")
	if _, err := runCmd(t, "", "migrate"); err == nil || !strings.Contains(err.Error(), "APP_ENV") {
		t.Errorf("bad APP_ENV: got %v", err)
	}
}

func TestMigrateUserAddAndTokenCreate(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("DATABASE_URL", url)
	if out, err := runCmd(t, "", "migrate"); err != nil || !strings.Contains(out, "current") {
		t.Fatalf("migrate on a migrated database: %v %s", err, out)
	}
	if _, err := runCmd(t, "short\n", "user", "add", "--email", "a@example.com", "--role", "admin"); err == nil {
		t.Fatal("a short password was accepted")
	}
	if out, err := runCmd(t, "a long enough password\n", "user", "add", "--email", "a@example.com", "--role", "admin"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	if _, err := runCmd(t, "a long enough password\n", "user", "add", "--email", "A@example.com", "--role", "support"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate user: got %v", err)
	}
	// A seller user names the seller by our ID or by the acct_… the founder has.
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var sellerID string
	if err := pool.QueryRow(context.Background(), `INSERT INTO accounts (email, name, role, stripe_account_id)
		VALUES ('seller@example.com', 'Seller', 'seller', 'acct_1Seller') RETURNING id::text`).Scan(&sellerID); err != nil {
		t.Fatal(err)
	}
	for i, acct := range []string{"acct_1Seller", sellerID} {
		email := fmt.Sprintf("s%d@example.com", i)
		if out, err := runCmd(t, "a long enough password\n", "user", "add", "--email", email, "--role", "seller", "--account", acct); err != nil {
			t.Fatalf("user add --account %s: %v %s", acct, err, out)
		}
		var got string
		if err := pool.QueryRow(context.Background(), `SELECT account_id::text FROM users WHERE email = $1`, email).Scan(&got); err != nil || got != sellerID {
			t.Fatalf("user add --account %s: account %q (%v), want %s", acct, got, err, sellerID)
		}
	}
	for _, bad := range []string{"acct_nobody", "x12", "-3"} {
		if _, err := runCmd(t, "a long enough password\n", "user", "add", "--email", "n@example.com", "--role", "seller", "--account", bad); err == nil {
			t.Errorf("user add --account %s: accepted", bad)
		}
	}
	var out, errOut bytes.Buffer
	// Without --scope a token is refused, and the message lists the scopes.
	_, err = runCmd(t, "", "token", "create", "--name", "everything")
	if err == nil || !strings.Contains(err.Error(), strings.Join(store.Scopes, ", ")) {
		t.Fatalf("token create without --scope: got %v, want a refusal listing %v", err, store.Scopes)
	}
	var tokens int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM api_tokens`).Scan(&tokens); err != nil || tokens != 0 {
		t.Fatalf("tokens after a refused create: got %d (%v), want 0", tokens, err)
	}
	if err := run(context.Background(), []string{"token", "create", "--name", "marketplace", "--scope", "read,signups:write"}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	if !strings.HasPrefix(tok, "sbt_") || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("token create printed %q, want the token alone on one line", out.String())
	}
}

func TestReplayAppliesAHeldEvent(t *testing.T) {
	app := apptest.New(t)
	t.Setenv("DATABASE_URL", app.URL)
	pi := apptest.NewID("pi")
	ev := apptest.NewEvent("payment_intent.succeeded", apptest.PaymentIntent(pi, 700, "usd", "", "succeeded", nil))
	ev.APIVersion = "2022-11-15"
	app.Send(ev)
	if e := app.WaitEvent(ev.ID); e.Status != "held" {
		t.Fatalf("got %s, want held", e.Status)
	}
	out, err := runCmd(t, "", "replay", ev.ID, "evt_missing")
	if err == nil || !strings.Contains(out, ev.ID+": processed") || !strings.Contains(out, "evt_missing: no such event") {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	if n := app.Count(`SELECT count(*) FROM orders WHERE stripe_payment_intent_id = $1 AND status = 'paid'`, pi); n != 1 {
		t.Fatalf("replayed order: got %d, want 1", n)
	}
	// Replaying again changes nothing.
	if out, err := runCmd(t, "", "replay", ev.ID); err != nil {
		t.Fatalf("second replay: %v %s", err, out)
	}
	if n := app.Count(`SELECT count(*) FROM orders`); n != 1 {
		t.Fatalf("orders after second replay: got %d", n)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'event.replay'`); n != 2 {
		t.Fatalf("audit entries: got %d, want 2", n)
	}
}

// TestImportDirection keeps the package arrows of STYLE.md:
// main → web → views → store; web → jobs → store; store imports nothing of ours.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/switchboardhq/switchboard/"
	allowed := map[string][]string{
		"store":      {},
		"migrations": {},
		"static":     {},
		"views":      {"store"},
		"jobs":       {"store", "jobs/"},
		"web":        {"store", "jobs", "views", "static"},
	}
	forbiddenThirdParty := map[string][]string{
		"store": {"net/http", "github.com/riverqueue", "github.com/stripe", "github.com/a-h/templ"},
		"views": {"github.com/jackc", "github.com/riverqueue", "net/http"},
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var pkg struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&pkg); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(pkg.ImportPath, mod)
		top := strings.SplitN(rel, "/", 2)[0]
		rules, ok := allowed[top]
		if !ok || rel != top && top != "jobs" {
			continue // main, internal/*, and sub-packages other than jobs/*
		}
		for _, imp := range pkg.Imports {
			if strings.HasPrefix(imp, mod) {
				dep := strings.TrimPrefix(imp, mod)
				okDep := false
				for _, a := range rules {
					if dep == a || strings.HasSuffix(a, "/") && strings.HasPrefix(dep, a) {
						okDep = true
					}
				}
				if !okDep {
					t.Errorf("%s imports %s, against the package arrows", rel, dep)
				}
			}
			for _, f := range forbiddenThirdParty[top] {
				if strings.HasPrefix(imp, f) {
					t.Errorf("%s imports %s", rel, imp)
				}
			}
		}
	}
}

// serve stops cleanly when its context ends (main cancels it on SIGTERM),
// after finishing what it was doing.
func TestServeShutsDownGracefully(t *testing.T) {
	url := pgtest.URL(t)
	// A port below Linux's ephemeral range, so that no outgoing connection
	// takes it between this check and serve's bind.
	var addr string
	for i := 0; addr == ""; i++ {
		a := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if ln, err := net.Listen("tcp", a); err == nil {
			ln.Close()
			addr = a
		} else if i == 200 {
			t.Fatal(err)
		}
	}
	t.Setenv("DATABASE_URL", url)
	t.Setenv("LISTEN_ADDR", addr)
	t.Setenv("STRIPE_WEBHOOK_SECRET", apptest.Secret)
	t.Setenv("LOG_LEVEL", "warn")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, io.Discard) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not become ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ev := apptest.NewEvent("payment_intent.succeeded", apptest.PaymentIntent(apptest.NewID("pi"), 100, "usd", "", "succeeded", nil))
	body := ev.JSON()
	req, _ := http.NewRequest("POST", "http://"+addr+"/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Stripe-Signature", apptest.Sign(body, apptest.Secret, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v, want a clean stop", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop within 40s of its context ending")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("serve still answers after stopping")
	}
}
