package crm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs/crm"
)

const token = "pat-na1-11111111-2222-3333-4444-555555555555"

func contact(id int64, email string) crm.Contact {
	return crm.Contact{AccountID: id, Email: email, Name: "Ana Lima", Role: "buyer", PlanTier: "pro", PaymentState: "active"}
}

func TestHubSpotCreatesThenUpdates(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	c := crm.NewHubSpot(token, hs.URL)
	id, err := c.Upsert(t.Context(), contact(7, "ana@example.com"))
	if err != nil || id == "" {
		t.Fatalf("create: got %q, %v", id, err)
	}
	up := contact(7, "ana@example.com")
	up.ContactID, up.PaymentState = id, "refunded"
	id2, err := c.Upsert(t.Context(), up)
	if err != nil || id2 != id {
		t.Fatalf("update: got %q, %v; want %q", id2, err, id)
	}
	all := hs.Contacts()
	if len(all) != 1 {
		t.Fatalf("contacts: got %d, want 1", len(all))
	}
	p := all[id]
	if p["email"] != "ana@example.com" || p[crm.PropAccountID] != "7" || p[crm.PropPlanTier] != "pro" ||
		p[crm.PropPaymentState] != "refunded" || p["firstname"] != "Ana" || p["lastname"] != "Lima" {
		t.Fatalf("contact: got %v", p)
	}
}

func TestHubSpotConflictAdoptsExistingContact(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	hs.IndexLag = time.Hour // search never sees the new contact, as right after a create in HubSpot
	c := crm.NewHubSpot(token, hs.URL)
	first, err := c.Upsert(t.Context(), contact(8, "bo@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	// A second push that does not know the ID: search misses, create 409s.
	again, err := c.Upsert(t.Context(), contact(8, "BO@example.com"))
	if err != nil || again != first {
		t.Fatalf("after 409: got %q, %v; want %q", again, err, first)
	}
	if n := len(hs.Contacts()); n != 1 {
		t.Fatalf("contacts: got %d, want 1", n)
	}
}

func TestHubSpotFindsContactMadeByHand(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	existing := hs.Seed(map[string]string{"email": "cy@example.com", "firstname": "Cy"})
	id, err := crm.NewHubSpot(token, hs.URL).Upsert(t.Context(), contact(9, "cy@example.com"))
	if err != nil || id != existing {
		t.Fatalf("got %q, %v; want the existing %q", id, err, existing)
	}
	if hs.CallCount("create") != 0 {
		t.Fatalf("creates: got %d, want 0", hs.CallCount("create"))
	}
}

func TestHubSpotDeletedContactIsFoundAgain(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	c := contact(10, "di@example.com")
	c.ContactID = "424242" // deleted in HubSpot since
	id, err := crm.NewHubSpot(token, hs.URL).Upsert(t.Context(), c)
	if err != nil || id == "" || id == "424242" {
		t.Fatalf("got %q, %v; want a new contact", id, err)
	}
}

func TestHubSpotFailuresAreClassified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  apptest.Fault
		token  string
		kind   crm.Kind
		status int
		wait   time.Duration
	}{
		{"rate limited", apptest.Fault{Status: 429, RetryAfter: "7"}, token, crm.RateLimited, 429, 7 * time.Second},
		{"rate limited without Retry-After", apptest.Fault{Status: 429}, token, crm.RateLimited, 429, 10 * time.Second},
		{"server error", apptest.Fault{Status: 500}, token, crm.Transient, 500, 0},
		{"bad gateway", apptest.Fault{Status: 502}, token, crm.Transient, 502, 0},
		{"unavailable with Retry-After", apptest.Fault{Status: 503, RetryAfter: "3"}, token, crm.RateLimited, 503, 3 * time.Second},
		{"missing scopes", apptest.Fault{Status: 403}, token, crm.Auth, 403, 0},
		{"wrong token", apptest.Fault{}, "pat-na1-wrong-0000000000000000", crm.Auth, 401, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hs := apptest.NewHubSpot(t, token)
			if tt.fault.Status != 0 {
				hs.Fail(tt.fault)
			}
			_, err := crm.NewHubSpot(tt.token, hs.URL).Upsert(t.Context(), contact(11, "ed@example.com"))
			e := crm.AsError(err)
			if err == nil || e.Kind != tt.kind || e.Status != tt.status || e.RetryAfter != tt.wait {
				t.Fatalf("got %v (kind %d, status %d, wait %s), want kind %d status %d wait %s",
					err, e.Kind, e.Status, e.RetryAfter, tt.kind, tt.status, tt.wait)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Fatalf("error shows the token: %v", err)
			}
		})
	}
}

func TestHubSpotTimeoutIsTransient(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	hs.Latency = 2 * time.Second
	c := crm.NewHubSpot(token, hs.URL)
	c.HTTP.Timeout = 100 * time.Millisecond
	_, err := c.Upsert(t.Context(), contact(12, "fa@example.com"))
	if e := crm.AsError(err); err == nil || e.Kind != crm.Transient || !strings.Contains(e.Msg, "timed out") {
		t.Fatalf("got %v, want a transient timeout", err)
	}
}

func TestWebhookSignsTheBody(t *testing.T) {
	t.Parallel()
	const secret = "crm-webhook-secret-0123456789"
	var got []byte
	var sig string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = make([]byte, r.ContentLength)
		_, _ = r.Body.Read(got)
		sig = r.Header.Get(crm.SignatureHeader)
		_, _ = w.Write([]byte(`{"contact_id":"c-77"}`))
	}))
	t.Cleanup(srv.Close)
	id, err := crm.NewWebhook(srv.URL, secret).Upsert(t.Context(), contact(13, "gi@example.com"))
	if err != nil || id != "c-77" {
		t.Fatalf("got %q, %v; want c-77", id, err)
	}
	now := time.Now()
	if !crm.Verify(secret, sig, got, now, 5*time.Minute) {
		t.Fatalf("signature %q does not verify", sig)
	}
	if crm.Verify("another-secret", sig, got, now, 5*time.Minute) {
		t.Fatal("a signature verified under the wrong secret")
	}
	tampered := []byte(strings.Replace(string(got), "gi@example.com", "evil@example.com", 1))
	if crm.Verify(secret, sig, tampered, now, 5*time.Minute) {
		t.Fatal("a tampered body verified")
	}
	if crm.Verify(secret, sig, got, now.Add(10*time.Minute), 5*time.Minute) {
		t.Fatal("a stale signature verified")
	}
	if !strings.Contains(string(got), `"plan_tier":"pro"`) || !strings.Contains(string(got), `"type":"contact.upsert"`) {
		t.Fatalf("document: got %s", got)
	}
}

func TestWebhookFailuresAreClassified(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]crm.Kind{401: crm.Auth, 410: crm.Rejected, 500: crm.Transient, 429: crm.RateLimited} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
		}))
		_, err := crm.NewWebhook(srv.URL+"/hooks/secret-path-token", "s").Upsert(context.Background(), contact(14, "h@example.com"))
		srv.Close()
		var e *crm.Error
		if !errors.As(err, &e) || e.Kind != want {
			t.Errorf("status %d: got %v, want kind %d", status, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret-path-token") {
			t.Errorf("status %d: error shows the URL: %v", status, err)
		}
	}
}

func TestHubSpotFreshPortalGetsPropertiesOnFirstUpsert(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	id, err := crm.NewHubSpot(token, hs.URL).Upsert(t.Context(), contact(20, "jo@example.com"))
	if err != nil || id == "" {
		t.Fatalf("first upsert on a fresh portal: got %q, %v", id, err)
	}
	if _, ok := hs.Group(crm.PropertyGroup); !ok {
		t.Fatalf("group %s was not created", crm.PropertyGroup)
	}
	for _, want := range crm.Properties {
		got, ok := hs.Property(want.Name)
		if !ok || got.Type != want.Type || got.FieldType != want.FieldType || got.GroupName != crm.PropertyGroup ||
			len(got.Options) != len(want.Options) {
			t.Errorf("property %s: got %+v (exists %v), want type %s/%s in group %s with %d options",
				want.Name, got, ok, want.Type, want.FieldType, crm.PropertyGroup, len(want.Options))
		}
	}
	if p := hs.Contacts()[id]; p[crm.PropPaymentState] != "active" || p[crm.PropRole] != "buyer" || p[crm.PropAccountID] != "20" {
		t.Fatalf("contact: got %v", p)
	}
}

func TestHubSpotSetupIsIdempotent(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	c := crm.NewHubSpot(token, hs.URL)
	first, err := c.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1+len(crm.Properties) || len(second) != len(first) {
		t.Fatalf("steps: got %d and %d, want %d", len(first), len(second), 1+len(crm.Properties))
	}
	for i := range first {
		if first[i].Action != "created" || second[i].Action != "found" {
			t.Errorf("%s: got %s then %s, want created then found", first[i].What, first[i].Action, second[i].Action)
		}
	}
	if n := hs.CallCount("POST properties"); n != 1+len(crm.Properties) {
		t.Fatalf("creates in the properties API: got %d, want %d (none the second time)", n, 1+len(crm.Properties))
	}
}

func TestHubSpotSetupOncePerProcess(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	c := crm.NewHubSpot(token, hs.URL)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			_, err := c.Upsert(t.Context(), contact(int64(30+i), fmt.Sprintf("p%d@example.com", i)))
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// One setup (a groups list, then a read per property), however many syncs start at once.
	if n := hs.CallCount("GET properties"); n != 1+len(crm.Properties) {
		t.Fatalf("property reads: got %d, want %d", n, 1+len(crm.Properties))
	}
	if n := len(hs.Contacts()); n != 8 {
		t.Fatalf("contacts: got %d, want 8", n)
	}
}

func TestHubSpotWrongTypedPropertyIsAClearPermanentError(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	hs.DefineProperty(apptest.HSProperty{Name: crm.PropAccountID, Label: "Account", Type: "number", FieldType: "number"})
	_, err := crm.NewHubSpot(token, hs.URL).Upsert(t.Context(), contact(21, "ki@example.com"))
	e := crm.AsError(err)
	if err == nil || e.Kind != crm.Rejected {
		t.Fatalf("got %v (kind %d), want a Rejected error", err, e.Kind)
	}
	for _, s := range []string{crm.PropAccountID, `type "number"`, `needs type "string"`, "crm setup"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if n := len(hs.Contacts()); n != 0 {
		t.Fatalf("contacts: got %d, want none", n)
	}
}

func TestHubSpotAddsMissingEnumerationOptions(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	hs.DefineProperty(apptest.HSProperty{Name: crm.PropRole, Label: "Role", Type: "enumeration", FieldType: "select",
		Options: []apptest.HSOption{{Label: "Buyer", Value: "buyer"}}})
	steps, err := crm.NewHubSpot(token, hs.URL).Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, s := range steps {
		if s.What == "property "+crm.PropRole {
			got = s.String()
		}
	}
	if got != "property switchboard_role: updated (options added: seller)" {
		t.Fatalf("role step: got %q", got)
	}
	if p, _ := hs.Property(crm.PropRole); len(p.Options) != 2 || p.Label != "Role" {
		t.Fatalf("role property: got %+v", p)
	}
}

func TestHubSpotRecreatesAPropertyDeletedSinceSetup(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	c := crm.NewHubSpot(token, hs.URL)
	id, err := c.Upsert(t.Context(), contact(22, "lu@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	hs.DeleteProperty(crm.PropPlanTier)
	up := contact(22, "lu@example.com")
	up.ContactID, up.PlanTier = id, "scale"
	if _, err := c.Upsert(t.Context(), up); err != nil {
		t.Fatalf("upsert after the property was deleted: %v", err)
	}
	if _, ok := hs.Property(crm.PropPlanTier); !ok || hs.Contacts()[id][crm.PropPlanTier] != "scale" {
		t.Fatalf("property back %v, contact %v", ok, hs.Contacts()[id])
	}
}

func TestHubSpotRateLimitDuringSetupIsRetried(t *testing.T) {
	t.Parallel()
	hs := apptest.NewHubSpot(t, token)
	c := crm.NewHubSpot(token, hs.URL)
	hs.Fail(apptest.Fault{}, apptest.Fault{Status: 429, RetryAfter: "2"}) // the groups list works, the first property read is limited
	_, err := c.Upsert(t.Context(), contact(23, "mo@example.com"))
	if e := crm.AsError(err); err == nil || e.Kind != crm.RateLimited || e.RetryAfter != 2*time.Second {
		t.Fatalf("got %v, want RateLimited for 2s", err)
	}
	// The worker snoozes the job; its next attempt finishes the setup and the contact.
	if id, err := c.Upsert(t.Context(), contact(23, "mo@example.com")); err != nil || id == "" {
		t.Fatalf("after the wait: got %q, %v", id, err)
	}
	for _, p := range crm.Properties {
		if _, ok := hs.Property(p.Name); !ok {
			t.Errorf("property %s missing", p.Name)
		}
	}
}
