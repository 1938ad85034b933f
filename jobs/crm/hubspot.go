package crm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HubSpot contact properties Switchboard writes besides email, firstname and
// lastname. They are custom properties in the group "switchboard", which
// Setup creates (see Properties for their types).
const (
	PropAccountID    = "switchboard_account_id"
	PropPlanTier     = "switchboard_plan_tier"
	PropPaymentState = "switchboard_payment_state"
	PropRole         = "switchboard_role"
)

// HubSpot talks to HubSpot's CRM v3 contacts API with a private-app token.
type HubSpot struct {
	Token string
	// Base is the API's base URL, https://api.hubapi.com unless a test overrides it.
	Base string
	HTTP *http.Client

	// schemaMu guards schemaReady: whether Setup has succeeded in this process.
	schemaMu    sync.Mutex
	schemaReady bool
}

// NewHubSpot returns a HubSpot client with a 10-second timeout per call.
func NewHubSpot(token, base string) *HubSpot {
	if base == "" {
		base = "https://api.hubapi.com"
	}
	return &HubSpot{Token: token, Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// Name is "hubspot".
func (h *HubSpot) Name() string { return "hubspot" }

type hsObject struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
}

type hsError struct {
	Status    string `json:"status"`
	Message   string `json:"message"`
	Category  string `json:"category"`
	ErrorType string `json:"errorType"`
	Errors    []struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"errors"`
}

// CodeMissingProperty is HubSpot's error code for a write or search naming a
// contact property the portal does not have.
const CodeMissingProperty = "PROPERTY_DOESNT_EXIST"

// existingID reads the contact ID from a 409's "Contact already exists. Existing ID: 123".
var existingID = regexp.MustCompile(`Existing ID: ?(\d+)`)

// Upsert makes sure Switchboard's properties exist (once per process, and
// again when HubSpot says one is missing), then upserts the contact.
func (h *HubSpot) Upsert(ctx context.Context, c Contact) (string, error) {
	if err := h.ensureSchema(ctx); err != nil {
		return "", err
	}
	id, err := h.upsert(ctx, c)
	if err != nil && AsError(err).Code == CodeMissingProperty {
		// Someone deleted a property in HubSpot since this process set them up.
		h.forgetSchema()
		if err := h.ensureSchema(ctx); err != nil {
			return "", err
		}
		id, err = h.upsert(ctx, c)
	}
	return id, err
}

// upsert finds the contact by the known contact ID, else by our account ID or
// email (search), and updates it; else it creates it. A create that conflicts
// (HubSpot's search lags behind its writes) adopts the existing contact.
func (h *HubSpot) upsert(ctx context.Context, c Contact) (string, error) {
	props := h.properties(c)
	if c.ContactID != "" {
		err := h.update(ctx, c.ContactID, props)
		if err == nil {
			return c.ContactID, nil
		}
		if statusOf(err) != http.StatusNotFound {
			return "", err
		}
		// The contact was deleted or merged in HubSpot: find or create it again.
	}
	id, err := h.search(ctx, c)
	if err != nil {
		return "", err
	}
	if id != "" {
		return id, h.update(ctx, id, props)
	}
	var created hsObject
	err = h.call(ctx, http.MethodPost, "/crm/v3/objects/contacts", map[string]any{"properties": props}, &created)
	if err == nil {
		return created.ID, nil
	}
	if e := AsError(err); e.Status == http.StatusConflict {
		if m := existingID.FindStringSubmatch(e.Msg); m != nil {
			return m[1], h.update(ctx, m[1], props)
		}
	}
	return "", err
}

func (h *HubSpot) properties(c Contact) map[string]string {
	first, last, _ := strings.Cut(strings.TrimSpace(c.Name), " ")
	p := map[string]string{
		"email":          c.Email,
		PropAccountID:    strconv.FormatInt(c.AccountID, 10),
		PropPlanTier:     c.PlanTier,
		PropPaymentState: c.PaymentState,
		PropRole:         c.Role,
	}
	if first != "" {
		p["firstname"], p["lastname"] = first, strings.TrimSpace(last)
	}
	if c.Email == "" {
		delete(p, "email") // an empty email would erase the one HubSpot has
	}
	return p
}

// search looks the contact up by our account ID, or by email (OR of two filter groups).
func (h *HubSpot) search(ctx context.Context, c Contact) (string, error) {
	groups := []map[string]any{{"filters": []map[string]string{
		{"propertyName": PropAccountID, "operator": "EQ", "value": strconv.FormatInt(c.AccountID, 10)},
	}}}
	if c.Email != "" {
		groups = append(groups, map[string]any{"filters": []map[string]string{
			{"propertyName": "email", "operator": "EQ", "value": c.Email},
		}})
	}
	body := map[string]any{"filterGroups": groups, "properties": []string{"email", PropAccountID}, "limit": 10}
	var res struct {
		Total   int        `json:"total"`
		Results []hsObject `json:"results"`
	}
	if err := h.call(ctx, http.MethodPost, "/crm/v3/objects/contacts/search", body, &res); err != nil {
		return "", err
	}
	// Prefer the contact that carries our account ID over an email match.
	want := strconv.FormatInt(c.AccountID, 10)
	for _, r := range res.Results {
		if r.Properties[PropAccountID] == want {
			return r.ID, nil
		}
	}
	if len(res.Results) > 0 {
		return res.Results[0].ID, nil
	}
	return "", nil
}

func (h *HubSpot) update(ctx context.Context, id string, props map[string]string) error {
	return h.call(ctx, http.MethodPatch, "/crm/v3/objects/contacts/"+id, map[string]any{"properties": props}, nil)
}

// call sends one JSON request and decodes a 2xx answer into out.
func (h *HubSpot) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.Base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := h.HTTP.Do(req)
	if err != nil {
		return netError("hubspot "+method+" "+path, err)
	}
	defer resp.Body.Close()
	answer := readSmall(resp)
	if resp.StatusCode/100 == 2 {
		if out == nil || len(answer) == 0 {
			return nil
		}
		if err := json.Unmarshal(answer, out); err != nil {
			return &Error{Kind: Transient, Status: 0, Msg: fmt.Sprintf("hubspot %s %s: unreadable answer: %v", method, path, err)}
		}
		return nil
	}
	var he hsError
	msg := strings.TrimSpace(string(answer))
	code := ""
	if json.Unmarshal(answer, &he) == nil && he.Message != "" {
		msg = he.Message
		if len(he.Errors) > 0 {
			// The first error says which property and why, more plainly than the message.
			msg, code = he.Errors[0].Message, he.Errors[0].Code
		}
		if c := firstNonEmpty(code, he.Category, he.ErrorType); c != "" {
			msg = c + ": " + msg
		}
		if code == "" && strings.Contains(he.Message, CodeMissingProperty) {
			code = CodeMissingProperty // the older shape: the errors are inside the message
		}
	}
	msg = clip(msg, 300)
	e := classify(resp.StatusCode, resp.Header, "hubspot "+method+" "+path+": "+msg)
	e.Code = code
	return e
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
