package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/jobs/crm"
)

// CRMSecret is the CRM webhook's signing secret in these tests.
const CRMSecret = "crm-webhook-secret-faults-0123456789"

// CRM is a CRM webhook receiver (CRM_PROVIDER=webhook) in the test process: it
// verifies each call's signature, keeps the latest contact per account in the
// order the calls arrive (what a real CRM would show), and can be switched to
// answer 503 with a Retry-After, or to answer slowly.
type CRM struct {
	URL string

	mu       sync.Mutex
	contacts map[int64]crm.Contact
	calls    int
	refused  int // bad signature
	down     bool
	delay    time.Duration
	inFlight int
}

// NewCRM starts the receiver on a loopback port.
func NewCRM(t testing.TB) *CRM {
	c := &CRM{contacts: map[int64]crm.Contact{}}
	srv := httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(srv.Close)
	c.URL = srv.URL + "/crm"
	return c
}

func (c *CRM) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	c.mu.Lock()
	c.calls++
	down, delay := c.down, c.delay
	c.mu.Unlock()
	if delay > 0 {
		// A CRM that has the request keeps it, whether or not the caller waits.
		c.mu.Lock()
		c.inFlight++
		c.mu.Unlock()
		time.Sleep(delay)
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}
	if err != nil || !crm.Verify(CRMSecret, r.Header.Get(crm.SignatureHeader), body, time.Now(), 5*time.Minute) {
		c.mu.Lock()
		c.refused++
		c.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if down {
		w.Header().Set("Retry-After", "2")
		http.Error(w, "CRM unavailable", http.StatusServiceUnavailable)
		return
	}
	var doc crm.Document
	if err := json.Unmarshal(body, &doc); err != nil || doc.Type != "contact.upsert" || doc.Contact.AccountID == 0 {
		http.Error(w, "not a contact.upsert", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.contacts[doc.Contact.AccountID] = doc.Contact
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"contact_id":"crm_%d"}`, doc.Contact.AccountID)
}

// SetDown makes every call answer 503 (with Retry-After: 2) until SetDown(false).
func (c *CRM) SetDown(down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = down
}

// SetDelay makes every call wait d before it is answered.
func (c *CRM) SetDelay(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.delay = d
}

// InFlight is how many calls are being answered slowly (SetDelay).
func (c *CRM) InFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inFlight
}

// Contacts is the latest contact per account.
func (c *CRM) Contacts() map[int64]crm.Contact {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int64]crm.Contact, len(c.contacts))
	for k, v := range c.contacts {
		out[k] = v
	}
	return out
}

// Refused is how many calls had a bad signature.
func (c *CRM) Refused() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused
}
