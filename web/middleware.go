package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/store"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyToken
	keyUser
	keyClientIP
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware is the standard layer: request ID, security headers, panic
// recovery, timing and a log line for each failed request.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		h := w.Header()
		if s.hsts {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		ip := s.resolveClientIP(r)
		ctx := withClientIP(context.WithValue(r.Context(), keyRequestID, id), ip)
		// Every audit entry this request writes says where it came from.
		ctx = store.WithAuditOrigin(ctx, store.AuditOrigin{Address: ip, UserAgent: r.UserAgent(), RequestID: id})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { // a stream cut short on purpose: let net/http drop the connection
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "panic", "panic", p, "stack", string(debug.Stack()), "request_id", id)
				if sw.status == 0 {
					writeJSONError(sw, http.StatusInternalServerError, "internal error")
				}
			}
			pattern := r.Pattern
			if pattern == "" {
				pattern = "unmatched"
			}
			s.metrics.requests.WithLabelValues(pattern, strconv.Itoa(sw.status/100)+"xx").Observe(time.Since(start).Seconds())
			if sw.status >= 500 {
				s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path,
					"status", sw.status, "request_id", id, "duration", time.Since(start))
			}
		}()
		if msg := badURL(r); msg != "" {
			writeJSONError(sw, http.StatusBadRequest, msg)
			return
		}
		next.ServeHTTP(sw, r)
	})
}

// validRequestID admits a client's (or proxy's) X-Request-Id only when it is
// 1–64 letters, digits, '-', '_' or '.': anything else (spaces, quotes,
// newlines, another log line's fields) is replaced by our own.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// badURL refuses a NUL byte in the path or the query (Postgres cannot store
// or compare text with one, and no real link has one), and a path, query name
// or query value that is not valid UTF-8 once decoded (%FF): Postgres refuses
// such text too, so it would otherwise become a 500 wherever it reached a
// query. This is the one check every route's path and query pass.
func badURL(r *http.Request) string {
	if strings.Contains(r.URL.Path, "\x00") || strings.Contains(strings.ToLower(r.URL.RawPath), "%00") {
		return "the path contains a NUL byte (%00)"
	}
	if strings.Contains(strings.ToLower(r.URL.RawQuery), "%00") || strings.Contains(r.URL.RawQuery, "\x00") {
		return "the query contains a NUL byte (%00)"
	}
	if !utf8.ValidString(r.URL.Path) {
		return "the path is not valid UTF-8"
	}
	// ParseQuery keeps what it could decode when a pair is malformed; those
	// pairs are dropped by r.URL.Query() too, so only the decoded ones matter.
	q, _ := url.ParseQuery(r.URL.RawQuery)
	for k, vs := range q {
		if !utf8.ValidString(k) {
			return "a query parameter's name is not valid UTF-8"
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return "the query parameter " + strconv.Quote(k) + " is not valid UTF-8"
			}
		}
	}
	return ""
}
