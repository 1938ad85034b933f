package apptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// HubSpot is a fake of HubSpot's CRM v3 contacts and contact properties APIs,
// as unpleasant as the real one: the same paths, status codes and error
// bodies; a fresh portal without Switchboard's custom properties (a write or a
// search naming a property that does not exist is refused with 400
// PROPERTY_DOESNT_EXIST, an enumeration value outside its options with
// INVALID_OPTION); a search index that lags behind writes (so a create after
// an empty search can 409); 429 with Retry-After; 5xx; slow answers; 401 for a
// wrong token.
type HubSpot struct {
	*httptest.Server
	Token string

	mu       sync.Mutex
	contacts map[string]*hsContact
	// byEmail and byAccount index contacts for search and create (stale
	// entries are checked against the contact).
	byEmail, byAccount map[string][]string
	nextID             int
	// props and groups are the portal's contact properties and property groups.
	props  map[string]*HSProperty
	groups map[string]string
	faults []Fault
	down   *Fault
	// IndexLag is how long a new contact stays invisible to search.
	IndexLag time.Duration
	// Latency delays every answer.
	Latency time.Duration
	// Calls counts contact calls by kind (create, update, search) and
	// properties API calls as "METHOD properties".
	Calls map[string]int
	// OnWrite is called after each successful create or update, with the
	// contact's properties (the benchmark times arrivals with it).
	OnWrite func(props map[string]string)
}

type hsContact struct {
	ID        string
	Props     map[string]string
	CreatedAt time.Time
}

// Fault is one scripted failure: a status (429, 500, 503…), an optional
// Retry-After, and a delay before answering.
type Fault struct {
	Status     int
	RetryAfter string
	Delay      time.Duration
}

// NewHubSpot starts a HubSpot fake accepting token.
func NewHubSpot(t testing.TB, token string) *HubSpot {
	h := &HubSpot{Token: token, contacts: map[string]*hsContact{}, nextID: 1000, Calls: map[string]int{}}
	h.freshPortal()
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

// Fail scripts the next answers to be these faults, in order.
func (h *HubSpot) Fail(fs ...Fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults = append(h.faults, fs...)
}

// SetDown makes every answer f until SetDown(nil).
func (h *HubSpot) SetDown(f *Fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down = f
}

// Contacts returns a copy of every contact's properties, by contact ID.
func (h *HubSpot) Contacts() map[string]map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]map[string]string{}
	for id, c := range h.contacts {
		p := map[string]string{}
		for k, v := range c.Props {
			p[k] = v
		}
		out[id] = p
	}
	return out
}

// Seed adds a contact as if it had been created in HubSpot by hand long ago.
func (h *HubSpot) Seed(props map[string]string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	id := strconv.Itoa(h.nextID)
	h.contacts[id] = &hsContact{ID: id, Props: props, CreatedAt: time.Now().Add(-time.Hour)}
	h.index(h.contacts[id])
	return id
}

// CallCount returns how many calls of a kind ("create", "update", "search") were answered.
func (h *HubSpot) CallCount(kind string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Calls[kind]
}

func hsErr(w http.ResponseWriter, status int, category, msg string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"status": "error", "message": msg, "correlationId": fmt.Sprintf("%08x-fake", time.Now().UnixNano()&0xffffffff),
		"category": category,
	})
}

func (h *HubSpot) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	latency := h.Latency
	var fault *Fault
	if len(h.faults) > 0 {
		f := h.faults[0]
		h.faults = h.faults[1:]
		fault = &f
	} else if h.down != nil {
		f := *h.down
		fault = &f
	}
	h.mu.Unlock()
	if fault != nil {
		latency += fault.Delay
	}
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	if r.Header.Get("Authorization") != "Bearer "+h.Token {
		hsErr(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
			"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
		return
	}
	if fault != nil && fault.Status != 0 {
		switch {
		case fault.Status == http.StatusTooManyRequests:
			if fault.RetryAfter != "" {
				w.Header().Set("Retry-After", fault.RetryAfter)
			}
			w.Header().Set("Content-Type", "application/json;charset=utf-8")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c0ffee00-fake","policyName":"TEN_SECONDLY_ROLLING"}`))
		case fault.Status == http.StatusForbidden:
			hsErr(w, http.StatusForbidden, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call.")
		default:
			if fault.RetryAfter != "" {
				w.Header().Set("Retry-After", fault.RetryAfter)
			}
			// HubSpot's gateway answers 502/503/504 with an HTML page, not JSON.
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(fault.Status)
			_, _ = w.Write([]byte("<html><body><h1>" + http.StatusText(fault.Status) + "</h1></body></html>"))
		}
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/crm/v3/properties/contacts"); ok {
		h.serveProperties(w, r, strings.TrimPrefix(rest, "/"))
		return
	}
	var in struct {
		Properties   json.RawMessage `json:"properties"` // an object to write, or a list to read in a search
		FilterGroups []hsFilterGroup `json:"filterGroups"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		hsErr(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1")
		return
	}
	var props map[string]string
	if r.URL.Path != "/crm/v3/objects/contacts/search" && json.Unmarshal(in.Properties, &props) != nil {
		hsErr(w, http.StatusBadRequest, "VALIDATION_ERROR", "Property values were not valid: properties must be an object")
		return
	}
	const base = "/crm/v3/objects/contacts"
	switch {
	case r.Method == http.MethodPost && r.URL.Path == base+"/search":
		h.search(w, in.FilterGroups)
	case r.Method == http.MethodPost && r.URL.Path == base:
		h.create(w, props)
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, base+"/"):
		h.update(w, strings.TrimPrefix(r.URL.Path, base+"/"), props)
	default:
		hsErr(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
	}
}
