package apptest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Slack is a fake Slack incoming webhook: 200 "ok" for {"text": …}, 400
// "invalid_payload" for anything else, and a status of your choice (500,
// 404 "no_service", 403 "invalid_token") while it is set down.
type Slack struct {
	*httptest.Server
	mu    sync.Mutex
	texts []string
	down  int
}

// NewSlack starts a Slack webhook fake.
func NewSlack(t testing.TB) *Slack {
	s := &Slack{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// SetDown makes every post answer status (0 for healthy).
func (s *Slack) SetDown(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = status
}

// Texts returns the texts posted so far.
func (s *Slack) Texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.texts...)
}

func (s *Slack) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html")
	switch down {
	case 0:
	case http.StatusNotFound:
		w.WriteHeader(down)
		_, _ = w.Write([]byte("no_service"))
		return
	case http.StatusForbidden:
		w.WriteHeader(down)
		_, _ = w.Write([]byte("invalid_token"))
		return
	default:
		w.WriteHeader(down)
		_, _ = w.Write([]byte("internal_error"))
		return
	}
	var in struct {
		Text string `json:"text"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&in) != nil || in.Text == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("invalid_payload"))
		return
	}
	s.mu.Lock()
	s.texts = append(s.texts, in.Text)
	s.mu.Unlock()
	_, _ = w.Write([]byte("ok"))
}
