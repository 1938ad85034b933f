package crm

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the webhook's signature: "t=<unix seconds>,v1=<hex>",
// where v1 is HMAC-SHA256 under CRM_WEBHOOK_SECRET of "<t>.<raw body>". A
// receiver recomputes it, compares in constant time, and refuses timestamps
// more than five minutes old (as with Stripe's scheme).
const SignatureHeader = "Switchboard-Signature"

// Webhook POSTs a JSON contact document to a URL, signed with a shared secret.
type Webhook struct {
	URL    string
	Secret string
	HTTP   *http.Client
	// Now is the clock (tests move it); time.Now when nil.
	Now func() time.Time
}

// NewWebhook returns a webhook client with a 10-second timeout per call.
func NewWebhook(url, secret string) *Webhook {
	return &Webhook{URL: url, Secret: secret, HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// Name is "webhook".
func (w *Webhook) Name() string { return "webhook" }

// Document is the JSON body the webhook receives.
type Document struct {
	Type       string  `json:"type"` // always "contact.upsert"
	OccurredAt string  `json:"occurred_at"`
	Contact    Contact `json:"contact"`
}

// Sign returns the SignatureHeader value for body at time t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a SignatureHeader value against body, refusing signatures
// older (or newer) than tolerance. Receivers in Go can use it as it is.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(n, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want := Sign(secret, time.Unix(n, 0), body)
	_, wantSig, _ := strings.Cut(want, ",v1=")
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(wantSig)) {
			return true
		}
	}
	return false
}

// Upsert POSTs the contact. A 2xx answer may carry {"contact_id": "…"} (or
// {"id": "…"}), which is kept as the contact's CRM ID.
func (w *Webhook) Upsert(ctx context.Context, c Contact) (string, error) {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	body, err := json.Marshal(Document{Type: "contact.upsert", OccurredAt: now.UTC().Format(time.RFC3339), Contact: c})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return "", &Error{Kind: Rejected, Msg: "CRM_WEBHOOK_URL is not a usable URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Switchboard-CRM-Webhook/1")
	req.Header.Set(SignatureHeader, Sign(w.Secret, now, body))
	resp, err := w.HTTP.Do(req)
	if err != nil {
		return "", netError("crm webhook POST", err)
	}
	defer resp.Body.Close()
	answer := readSmall(resp)
	if resp.StatusCode/100 != 2 {
		return "", classify(resp.StatusCode, resp.Header, "crm webhook POST: "+clip(strings.TrimSpace(string(answer)), 300))
	}
	var out struct {
		ContactID string `json:"contact_id"`
		ID        string `json:"id"`
	}
	_ = json.Unmarshal(answer, &out) // an empty or non-JSON 2xx is a success without an ID
	return firstNonEmpty(out.ContactID, out.ID, c.ContactID), nil
}
