package apptest

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/crypto/argon2"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/web"
)

// Password is the password of every user the helpers create.
const Password = "correct horse battery staple"

// passwordHash is Password hashed with argon2id at a cost far below
// production's (1 MiB, one pass). store.CheckPassword reads the cost from the
// hash, so test users sign in cheaply; at production cost (64 MiB, two passes)
// hashing and checking test users' passwords was 80 % of the web tests' CPU,
// and far more under -race. Users made through the console or the CLI still
// get production hashes.
var passwordHash = sync.OnceValue(func() string {
	salt := []byte("apptest-salt-16b")
	key := argon2.IDKey([]byte(Password), salt, 1, 1024, 1, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=1024,t=1,p=1$%s$%s", argon2.Version, enc.EncodeToString(salt), enc.EncodeToString(key))
})

// Console is a browser-like client of the console: its own cookie jar, no
// redirects followed, and same-origin headers on unsafe requests, as a browser
// sends them.
type Console struct {
	app    *App
	Client *http.Client
	// User is the signed-in user (zero when signed out).
	User store.User
}

// Page is one response, parsed.
type Page struct {
	T      testing.TB
	Status int
	Header http.Header
	Body   string
	Doc    *goquery.Document
}

// Anonymous returns a signed-out console client.
func (a *App) Anonymous() *Console {
	jar, _ := cookiejar.New(nil)
	return &Console{app: a, Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// NewUser creates a console user with a role; a seller gets a fresh seller
// account unless one is given.
func (a *App) NewUser(role string, account *int64) store.User {
	a.T.Helper()
	ctx := context.Background()
	if role == store.UserSeller && account == nil {
		acct, _, err := a.Store.CreateSignup(ctx, store.Signup{Email: NewID("seller") + "@example.com", Name: "Seller", Role: store.RoleSeller})
		if err != nil {
			a.T.Fatalf("seller account: %v", err)
		}
		account = &acct.ID
	}
	u, err := a.Store.CreateUser(ctx, NewID(role)+"@example.com", passwordHash(), role, account)
	if err != nil {
		a.T.Fatalf("creating %s user: %v", role, err)
	}
	return u
}

// SignIn creates a user with the role and returns a client signed in as them.
func (a *App) SignIn(role string) *Console {
	a.T.Helper()
	return a.SignInAs(a.NewUser(role, nil))
}

// SignInAs signs in an existing user (whose password is Password).
func (a *App) SignInAs(u store.User) *Console {
	a.T.Helper()
	c := a.Anonymous()
	p := c.Login(u.Email, Password)
	if p.Status != http.StatusSeeOther {
		a.T.Fatalf("signing in %s: got %d, want 303; body: %s", u.Email, p.Status, p.Body)
	}
	c.User = u
	return c
}

// Login posts the sign-in form.
func (c *Console) Login(email, password string) *Page {
	return c.Post("/login", url.Values{"email": {email}, "password": {password}})
}

// Get fetches a console path.
func (c *Console) Get(path string) *Page {
	req, _ := http.NewRequest(http.MethodGet, c.app.Server.URL+path, nil)
	return c.Do(req)
}

// Post submits a form from the console itself (same origin).
func (c *Console) Post(path string, form url.Values) *Page {
	req, _ := http.NewRequest(http.MethodPost, c.app.Server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.app.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}

// HTMX sends a request the way htmx does (HX-Request: true).
func (c *Console) HTMX(method, path string, form url.Values) *Page {
	req, _ := http.NewRequest(method, c.app.Server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	if method != http.MethodGet {
		req.Header.Set("Origin", c.app.Server.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	return c.Do(req)
}

// Fetch sends a request the way a console page's fetch() does: same origin,
// with a JSON body unless it is empty.
func (c *Console) Fetch(method, path, body string) *Page {
	req, _ := http.NewRequest(method, c.app.Server.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Origin", c.app.Server.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	return c.Do(req)
}

// Do sends a request with the client's cookies and parses the answer.
func (c *Console) Do(req *http.Request) *Page {
	c.app.T.Helper()
	resp, err := c.Client.Do(req)
	if err != nil {
		c.app.T.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(b)))
	if err != nil {
		c.app.T.Fatalf("%s %s: parsing HTML: %v", req.Method, req.URL.Path, err)
	}
	return &Page{T: c.app.T, Status: resp.StatusCode, Header: resp.Header, Body: string(b), Doc: doc}
}

// SessionCookie is the client's current session token ("" when none).
func (c *Console) SessionCookie() string {
	u, _ := url.Parse(c.app.Server.URL)
	for _, ck := range c.Client.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie {
			return ck.Value
		}
	}
	return ""
}

// Find selects the elements with a data-testid.
func (p *Page) Find(testid string) *goquery.Selection {
	return p.Doc.Find(fmt.Sprintf(`[data-testid=%q]`, testid))
}

// Text is the trimmed text of the element with a data-testid; the test fails
// when there is none.
func (p *Page) Text(testid string) string {
	p.T.Helper()
	s := p.Find(testid)
	if s.Length() == 0 {
		p.T.Fatalf("no element with data-testid %q in:\n%s", testid, p.Body)
	}
	return strings.Join(strings.Fields(s.First().Text()), " ")
}

// Want fails the test unless the status is want.
func (p *Page) Want(want int) *Page {
	p.T.Helper()
	if p.Status != want {
		p.T.Fatalf("status: got %d, want %d; body:\n%s", p.Status, want, p.Body)
	}
	return p
}

// Outage makes every new row in a table fail with a transient error (a
// trigger raising one, as a broken dependency would) until restore is called,
// so the worker's apply really fails and River really retries. (A constraint
// would not do: data Postgres refuses is a permanent failure.)
func (a *App) Outage(table string) (restore func()) {
	a.T.Helper()
	ctx := context.Background()
	name := "apptest_outage_" + NewID(table)
	if _, err := a.Pool.Exec(ctx, fmt.Sprintf(`
		CREATE FUNCTION %[1]s() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION '%[1]s: a test outage of %[2]s'; END $$;
		CREATE TRIGGER %[1]s BEFORE INSERT ON %[2]s FOR EACH ROW EXECUTE FUNCTION %[1]s();`, name, table)); err != nil {
		a.T.Fatalf("outage on %s: %v", table, err)
	}
	return func() {
		if _, err := a.Pool.Exec(ctx, fmt.Sprintf(`DROP TRIGGER IF EXISTS %[1]s ON %[2]s; DROP FUNCTION IF EXISTS %[1]s()`, name, table)); err != nil {
			a.T.Fatalf("ending outage on %s: %v", table, err)
		}
	}
}

// FailedPayment sends a charge.succeeded event while orders cannot be written,
// so the worker fails it: its job is retryable, and since the test (not River)
// decides when it runs again, the event is marked failed, as after its last
// attempt. It returns the event ID and a func that ends the outage.
func (a *App) FailedPayment(customerName string) (eventID string, restore func()) {
	a.T.Helper()
	restore = a.Outage("orders")
	cus := NewID("cus")
	ev := NewEvent("charge.succeeded", Charge(NewID("ch"), NewID("pi"), 2500, 0, "usd", cus, "buyer-"+cus+"@example.com", "succeeded", nil))
	if customerName != "" {
		obj := ev.Data["object"].(map[string]any)
		obj["billing_details"].(map[string]any)["name"] = customerName
	}
	got := a.SendAndWait(ev)
	if got.Status != store.EventReceived || got.Attempts != 1 {
		a.T.Fatalf("event during the outage: got status %q after %d attempts, want received (retrying) after 1", got.Status, got.Attempts)
	}
	if st := a.JobState(ev.ID); st != "retryable" {
		a.T.Fatalf("job during the outage: got %q, want retryable", st)
	}
	// River's first backoff is about a second; push the next attempt out, as
	// after a few failures, so the test (not the scheduler) decides what runs,
	// and mark the event failed as its last attempt would.
	if _, err := a.Pool.Exec(context.Background(), `UPDATE river_job SET scheduled_at = now() + interval '1 hour'
		WHERE kind = 'stripe_event' AND args->>'event_id' = $1`, ev.ID); err != nil {
		a.T.Fatal(err)
	}
	if _, err := a.Pool.Exec(context.Background(), `UPDATE stripe_events SET status = 'failed' WHERE id = $1`, ev.ID); err != nil {
		a.T.Fatal(err)
	}
	return ev.ID, restore
}

// JobState waits until River has recorded a state for the event's job other
// than running/available, and returns it.
func (a *App) JobState(eventID string) string {
	a.T.Helper()
	var state string
	for i := 0; i < 500; i++ {
		err := a.Pool.QueryRow(context.Background(), `SELECT state::text FROM river_job
			WHERE kind = 'stripe_event' AND args->>'event_id' = $1 ORDER BY id DESC LIMIT 1`, eventID).Scan(&state)
		if err == nil && state != "running" && state != "available" {
			return state
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.T.Fatalf("job of %s still %q after 5s", eventID, state)
	return ""
}

// WaitStatus waits until an event has a status, failing the test after 15 s.
func (a *App) WaitStatus(id, status string) store.Event {
	a.T.Helper()
	var ev store.Event
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ev, err = a.Store.EventByID(context.Background(), id); err == nil && ev.Status == status {
			return ev
		}
	}
	a.T.Fatalf("event %s: status %q (err %v) after 15s, want %s", id, ev.Status, err, status)
	return ev
}
