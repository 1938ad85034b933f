package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/andybalholm/brotli"
)

// encodedFile is an embedded file with its compressed forms: gzip at its
// best level, made at first use (about 20 ms for River UI's largest bundle),
// and brotli at its best (quality 11, about a second for that bundle, a
// fifth smaller than gzip), made after in the background and served once
// ready.
type encodedFile struct {
	plain, gzip []byte // gzip is nil for a file too small to gain
	br          atomic.Pointer[[]byte]
	ctype, etag string
}

// encodedFiles holds every embedded file served so far, by its FS and name:
// embedded files never change, so one process compresses each once.
var encodedFiles sync.Map // encodedKey → *encodedFile

type encodedKey struct {
	fsys fs.FS
	name string
}

// brotliTurn lets one brotli compression run at a time: they are slow, and
// the machine serves requests meanwhile.
var brotliTurn sync.Mutex

// encoded returns a file with its compressed forms, compressing it first if
// it is new.
func encoded(fsys fs.FS, name string) (*encodedFile, error) {
	key := encodedKey{fsys, name}
	if f, ok := encodedFiles.Load(key); ok {
		return f.(*encodedFile), nil
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	f := &encodedFile{plain: b, ctype: mime.TypeByExtension(path.Ext(name)), etag: hex.EncodeToString(sum[:8])}
	if f.ctype == "" {
		f.ctype = http.DetectContentType(b)
	}
	if len(b) >= compressMinSize && compressible(f.ctype) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		f.gzip = buf.Bytes()
	}
	if actual, loaded := encodedFiles.LoadOrStore(key, f); loaded {
		return actual.(*encodedFile), nil
	}
	if f.gzip != nil {
		go func() {
			brotliTurn.Lock()
			defer brotliTurn.Unlock()
			var buf bytes.Buffer
			bw := brotli.NewWriterLevel(&buf, brotli.BestCompression)
			_, _ = bw.Write(b)
			_ = bw.Close()
			out := buf.Bytes()
			f.br.Store(&out)
		}()
	}
	return f, nil
}

// serveEncoded answers with an embedded file in the best form the client
// takes (brotli once ready, else gzip, else plain), with cacheControl. Each
// form has its own ETag; ranges and conditional requests are
// http.ServeContent's.
func serveEncoded(w http.ResponseWriter, r *http.Request, fsys fs.FS, name, cacheControl string) {
	f, err := encoded(fsys, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", cacheControl)
	body, coding := f.plain, ""
	if f.gzip != nil {
		h.Add("Vary", "Accept-Encoding")
		ae := r.Header.Get("Accept-Encoding")
		if br := f.br.Load(); br != nil && accepts(ae, "br") {
			body, coding = *br, "br"
		} else if accepts(ae, "gzip") {
			body, coding = f.gzip, "gzip"
		}
	}
	if coding != "" {
		h.Set("Content-Encoding", coding)
		h.Set("ETag", `"`+f.etag+"-"+coding+`"`)
	} else {
		h.Set("ETag", `"`+f.etag+`"`)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
