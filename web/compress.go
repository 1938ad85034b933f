package web

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// compressMinSize is the smallest body worth compressing: below it the gzip
// header and trailer (18 bytes) and the CPU buy next to nothing.
const compressMinSize = 1024

// gzipWriters reuses gzip writers: each holds about 800 KB of state.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return zw
}}

// compress gzips responses for clients that accept it: pages, htmx
// fragments, JSON, River's UI page and API. It leaves alone bodies under
// compressMinSize, those already encoded (the embedded files, which
// serveEncoded compresses once; /metrics), those that are not text (images, fonts, archives), partial and
// bodiless answers, and event streams. Every compressible answer says Vary:
// Accept-Encoding, so a cache keeps the two forms apart. A handler that
// flushes (the CSV exports stream page by page) gets each part compressed
// and sent at its flush.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &compressWriter{ResponseWriter: w, gzip: accepts(r.Header.Get("Accept-Encoding"), "gzip")}
		finished := false
		defer func() {
			if finished {
				cw.close()
			} else {
				// A panic (or http.ErrAbortHandler cutting a stream short):
				// write nothing more, so the client sees the answer cut.
				cw.release()
			}
		}()
		next.ServeHTTP(cw, r)
		finished = true
	})
}

// accepts reports whether an Accept-Encoding header admits a content coding
// (q > 0, by name or as *; a coding named outranks *).
func accepts(header, coding string) bool {
	ok := false
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != coding && name != "*" {
			continue
		}
		q := 1.0
		if v, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); found {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if name == coding {
			return q > 0
		}
		ok = q > 0
	}
	return ok
}

// compressible reports whether a content type is text that compresses well.
func compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case mt == "text/event-stream": // a live stream: each event must leave at once
		return false
	case strings.HasPrefix(mt, "text/"):
		return true
	case mt == "image/svg+xml", mt == "application/javascript", mt == "application/json",
		mt == "application/xml", mt == "application/manifest+json", mt == "application/wasm",
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	return false
}

// compressWriter holds back the start of a body until it knows whether to
// compress: at compressMinSize bytes, at a flush, or at the end.
type compressWriter struct {
	http.ResponseWriter
	gzip bool // the client accepts gzip

	status  int    // the status the handler wrote, 0 before
	pending []byte // the body so far, before deciding
	decided bool
	zw      *gzip.Writer // nil: the body goes through as it is
}

// WriteHeader records the status; it is sent once the body's fate is known.
func (w *compressWriter) WriteHeader(code int) {
	if code < 200 { // 1xx informational answers go out at once
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if w.status == 0 {
		w.status = code
	}
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.decided {
		w.pending = append(w.pending, b...)
		if len(w.pending) < compressMinSize {
			return len(b), nil
		}
		if err := w.decide(true); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	if w.zw != nil {
		return w.zw.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// decide sends the header, compressed or not, and what was held back. big
// says the body is (or, streamed, may grow) at least compressMinSize.
func (w *compressWriter) decide(big bool) error {
	w.decided = true
	if w.status == 0 {
		w.status = http.StatusOK
	}
	h := w.Header()
	if _, typed := h["Content-Type"]; !typed && h.Get("Content-Encoding") == "" && len(w.pending) > 0 {
		// What net/http would sniff from the plain body.
		h.Set("Content-Type", http.DetectContentType(w.pending))
	}
	bodiless := w.status == http.StatusNoContent || w.status == http.StatusNotModified ||
		w.status == http.StatusPartialContent
	if !bodiless && h.Get("Content-Encoding") == "" && compressible(h.Get("Content-Type")) {
		if !strings.Contains(strings.ToLower(strings.Join(h.Values("Vary"), ",")), "accept-encoding") {
			h.Add("Vary", "Accept-Encoding")
		}
		if n, err := strconv.Atoi(h.Get("Content-Length")); err == nil && n < compressMinSize {
			big = false
		}
		if w.gzip && big {
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
			h.Del("Accept-Ranges") // ranges would count bytes of the encoded body
			if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
				h.Set("ETag", "W/"+etag) // the encoded body is not the same bytes
			}
			w.zw = gzipWriters.Get().(*gzip.Writer)
			w.zw.Reset(w.ResponseWriter)
		}
	}
	w.ResponseWriter.WriteHeader(w.status)
	if len(w.pending) == 0 {
		return nil
	}
	var err error
	if w.zw != nil {
		_, err = w.zw.Write(w.pending)
	} else {
		_, err = w.ResponseWriter.Write(w.pending)
	}
	w.pending = nil
	return err
}

// FlushError sends what has been written so far: a handler that flushes is
// streaming, so a compressible body is compressed from here on whatever its
// size so far. http.ResponseController finds it.
func (w *compressWriter) FlushError() error {
	if !w.decided {
		if w.status == 0 && len(w.pending) == 0 {
			w.status = http.StatusOK
		}
		if err := w.decide(true); err != nil {
			return err
		}
	}
	if w.zw != nil {
		if err := w.zw.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush is FlushError for callers that use http.Flusher.
func (w *compressWriter) Flush() { _ = w.FlushError() }

// Unwrap lets http.ResponseController reach the connection (write deadlines).
func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// close ends the body: a small one goes out as it is, a compressed one gets
// its trailer.
func (w *compressWriter) close() {
	if !w.decided {
		if w.status == 0 && len(w.pending) == 0 {
			return // nothing written: net/http answers 200 with no body
		}
		_ = w.decide(false)
	}
	if w.zw != nil {
		_ = w.zw.Close()
	}
	w.release()
}

// release returns the gzip writer to the pool.
func (w *compressWriter) release() {
	if w.zw != nil {
		w.zw.Reset(io.Discard)
		gzipWriters.Put(w.zw)
		w.zw = nil
	}
}
