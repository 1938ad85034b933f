package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/static"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/web"
	"riverqueue.com/riverui"
)

// raw is one answer as it came over the wire (the client asked for gzip
// itself, so Go's transport does not undo it), and its body decoded.
type raw struct {
	status  int
	header  http.Header
	wire    int // bytes on the wire
	decoded []byte
}

// fetchRaw GETs a path with the client's cookies and the given
// Accept-Encoding ("" asks for none).
func fetchRaw(t *testing.T, client *http.Client, url, acceptEncoding string, extra ...string) raw {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", cmpOr(acceptEncoding, "identity"))
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading: %v", url, err)
	}
	r := raw{status: resp.StatusCode, header: resp.Header, wire: len(b), decoded: b}
	switch ce := resp.Header.Get("Content-Encoding"); ce {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("GET %s: gzip header: %v", url, err)
		}
		if r.decoded, err = io.ReadAll(zr); err != nil {
			t.Fatalf("GET %s: gzip body: %v", url, err)
		}
	case "br":
		if r.decoded, err = io.ReadAll(brotli.NewReader(bytes.NewReader(b))); err != nil {
			t.Fatalf("GET %s: brotli body: %v", url, err)
		}
	case "":
	default:
		t.Fatalf("GET %s: Content-Encoding %q", url, ce)
	}
	return r
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// varies reports whether an answer's Vary names a header.
func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

// The console's own files: gzipped for clients that take it (the same
// bytes once decoded), plain for the others, kept for good by URL version,
// and never for a file too small to gain.
func TestStaticFilesAreCompressed(t *testing.T) {
	t.Parallel()
	app := New(t)
	client := app.Server.Client()
	for _, name := range []string{static.Stylesheet, static.HTMX, static.Nav, static.Icon} {
		want, err := fs.ReadFile(static.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		url := app.Server.URL + "/static/" + name + "?v=" + static.Version(name)
		gz := fetchRaw(t, client, url, "gzip, deflate")
		plain := fetchRaw(t, client, url, "")
		for _, r := range []raw{gz, plain} {
			if r.status != http.StatusOK || !bytes.Equal(r.decoded, want) {
				t.Fatalf("%s: got %d and %d bytes, want 200 and the file's %d", name, r.status, len(r.decoded), len(want))
			}
			if cc := r.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Errorf("%s: Cache-Control %q, want a year, immutable", name, cc)
			}
			if !varies(r.header, "Accept-Encoding") {
				t.Errorf("%s: Vary %q lacks Accept-Encoding", name, r.header.Values("Vary"))
			}
		}
		if ce := plain.header.Get("Content-Encoding"); ce != "" {
			t.Errorf("%s without Accept-Encoding: Content-Encoding %q", name, ce)
		}
		tiny := len(want) < 1024
		if got := gz.header.Get("Content-Encoding"); (got == "gzip") == tiny {
			t.Errorf("%s (%d bytes): Content-Encoding %q, want gzip only from 1 KiB", name, len(want), got)
		}
		// Content-Length, when there is one, counts the gzipped bytes.
		if cl := gz.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(gz.wire) {
			t.Errorf("%s gzipped: Content-Length %q for %d bytes", name, cl, gz.wire)
		}
		t.Logf("%s: %d bytes, %d gzipped", name, len(want), gz.wire)
	}
	// Ranges still work (of the form asked for: here the plain file).
	htmx, _ := fs.ReadFile(static.FS, static.HTMX)
	r := fetchRaw(t, client, app.Server.URL+"/static/"+static.HTMX, "", "Range", "bytes=0-99")
	if r.status != http.StatusPartialContent || r.header.Get("Content-Encoding") != "" || !bytes.Equal(r.decoded, htmx[:100]) {
		t.Fatalf("a range: got %d, encoding %q, %d bytes; want 206, none, the first 100", r.status, r.header.Get("Content-Encoding"), len(r.decoded))
	}
}

// Brotli, made once in the background, replaces gzip for the clients that
// take it: the same bytes decoded, a different ETag, smaller than gzip.
func TestEmbeddedFilesGetBrotli(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	index := fetchRaw(t, admin.Client, app.Server.URL+"/admin/river/", "gzip")
	var main string
	for _, m := range assetRef.FindAllStringSubmatch(string(index.decoded), -1) {
		if strings.Contains(m[1], "/assets/main-") && strings.HasSuffix(m[1], ".js") {
			main = m[1]
		}
	}
	if main == "" {
		t.Fatalf("River's page names no main bundle:\n%s", index.decoded)
	}
	want, err := fs.ReadFile(riverui.FrontendIndex, "dist"+strings.TrimPrefix(main, "/admin/river"))
	if err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{app.Server.URL + main, app.Server.URL + "/static/" + static.HTMX + "?v=" + static.Version(static.HTMX)} {
		gz := fetchRaw(t, admin.Client, url, "gzip")
		var br raw
		deadline := time.Now().Add(60 * time.Second)
		for {
			br = fetchRaw(t, admin.Client, url, "gzip, deflate, br, zstd")
			if br.header.Get("Content-Encoding") == "br" || time.Now().After(deadline) {
				break
			}
			if br.header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s while brotli is being made: Content-Encoding %q, want gzip", url, br.header.Get("Content-Encoding"))
			}
			time.Sleep(100 * time.Millisecond)
		}
		if br.header.Get("Content-Encoding") != "br" {
			t.Fatalf("%s: no brotli after a minute", url)
		}
		if !bytes.Equal(br.decoded, gz.decoded) || br.wire >= gz.wire || br.header.Get("ETag") == gz.header.Get("ETag") {
			t.Fatalf("%s: brotli %d bytes (ETag %s) decoding to %d, gzip %d (ETag %s) to %d", url,
				br.wire, br.header.Get("ETag"), len(br.decoded), gz.wire, gz.header.Get("ETag"), len(gz.decoded))
		}
		if strings.Contains(url, "/admin/river/") && !bytes.Equal(br.decoded, want) {
			t.Fatalf("%s: decodes to %d bytes, River's file has %d", url, len(br.decoded), len(want))
		}
		t.Logf("%s: %d bytes, %d gzipped, %d with brotli", url[len(app.Server.URL):], len(gz.decoded), gz.wire, br.wire)
	}
}

// Pages, htmx fragments and River's UI (its page, the bundles it names and
// its API) are compressed; River's bundles are kept for good; the tiny and
// the already compressed are left alone.
func TestPagesAndRiverUIAreCompressed(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	client := admin.Client
	base := app.Server.URL

	page := fetchRaw(t, client, base+"/jobs", "gzip")
	if page.header.Get("Content-Encoding") != "gzip" || !bytes.Contains(page.decoded, []byte(`data-testid="jobs-table"`)) &&
		!bytes.Contains(page.decoded, []byte(`data-testid="jobs-empty"`)) {
		t.Fatalf("/jobs: encoding %q, body %.200s", page.header.Get("Content-Encoding"), page.decoded)
	}
	if !varies(page.header, "Accept-Encoding") || !varies(page.header, "HX-Request") {
		t.Errorf("/jobs: Vary %q, want Accept-Encoding and HX-Request", page.header.Values("Vary"))
	}
	t.Logf("/jobs: %d bytes, %d gzipped", len(page.decoded), page.wire)
	// The overview's figures, which htmx fetches every 5 s: a fragment, the
	// same whether compressed or not.
	frag := fetchRaw(t, client, base+"/", "gzip", "HX-Request", "true")
	plainFrag := fetchRaw(t, client, base+"/", "", "HX-Request", "true")
	if frag.status != http.StatusOK || bytes.Contains(frag.decoded, []byte("<html")) ||
		!bytes.Contains(frag.decoded, []byte(`id="overview-stats"`)) || !varies(frag.header, "Accept-Encoding") {
		t.Fatalf("/ for htmx: got %d, Vary %q:\n%.300s", frag.status, frag.header.Values("Vary"), frag.decoded)
	}
	if len(frag.decoded) != len(plainFrag.decoded) {
		t.Errorf("/ for htmx: %d bytes decoded, %d plain", len(frag.decoded), len(plainFrag.decoded))
	}
	t.Logf("/ for htmx: %d bytes, %d on the wire (%s)", len(frag.decoded), frag.wire, cmpOr(frag.header.Get("Content-Encoding"), "plain"))

	index := fetchRaw(t, client, base+"/admin/river/", "gzip")
	if index.status != http.StatusOK || !varies(index.header, "Accept-Encoding") {
		t.Fatalf("River's page: got %d, Vary %q", index.status, index.header.Values("Vary"))
	}
	refs := assetRef.FindAllSubmatch(index.decoded, -1)
	if len(refs) < 3 {
		t.Fatalf("River's page names %d assets:\n%s", len(refs), index.decoded)
	}
	// The bundles the main script imports are named with the page, to be
	// fetched at once (Link: rel=modulepreload), not a round trip later.
	links := index.header.Values("Link")
	if len(links) < 3 {
		t.Fatalf("River's page: Link %q, want a modulepreload for each bundle its main script imports", links)
	}
	for _, l := range links {
		target, rel, _ := strings.Cut(l, ">; ")
		if rel != "rel=modulepreload" || !strings.HasPrefix(target, "</admin/river/assets/") {
			t.Fatalf("River's page: Link %q", l)
		}
		refs = append(refs, [][]byte{nil, []byte(target[1:])})
	}
	var plainTotal, wireTotal int
	for _, m := range refs {
		path := string(m[1])
		a := fetchRaw(t, client, base+path, "gzip, br")
		if a.status != http.StatusOK {
			t.Fatalf("%s: got %d", path, a.status)
		}
		ct := a.header.Get("Content-Type")
		textual := strings.Contains(ct, "javascript") || strings.HasPrefix(ct, "text/css")
		if textual && len(a.decoded) >= 1024 && a.header.Get("Content-Encoding") == "" {
			t.Errorf("%s (%s, %d bytes): not compressed", path, ct, len(a.decoded))
		}
		if strings.Contains(path, "/assets/") && a.header.Get("Cache-Control") != "private, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q, want a year, immutable", path, a.header.Get("Cache-Control"))
		}
		plainTotal += len(a.decoded)
		wireTotal += a.wire
	}
	t.Logf("River UI's page and %d assets: %d bytes, %d on the wire", len(refs), plainTotal, wireTotal)
	if wireTotal*3 > plainTotal {
		t.Errorf("River UI's assets: %d bytes on the wire for %d, want under a third", wireTotal, plainTotal)
	}
	// River's answer for a path that is no bundle is its page: never kept for good.
	if cc := fetchRaw(t, client, base+"/admin/river/assets/nosuch.js", "gzip").header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("a missing River asset: Cache-Control %q", cc)
	}
	api := fetchRaw(t, client, base+"/admin/river/api/jobs?state=available&limit=5", "gzip")
	if api.status != http.StatusOK || !bytes.Contains(api.decoded, []byte(`"data"`)) {
		t.Fatalf("River's API: got %d %s", api.status, api.decoded)
	}

	// Tiny: left as it is.
	if h := fetchRaw(t, client, base+"/healthz", "gzip"); h.header.Get("Content-Encoding") != "" {
		t.Errorf("/healthz (%d bytes) was compressed", len(h.decoded))
	}
	// Already compressed by its handler (/metrics): compressed once, not twice.
	m := fetchRaw(t, client, base+"/metrics", "gzip", "Authorization", "Bearer "+app.Token())
	if m.status != http.StatusOK || m.header.Get("Content-Encoding") != "gzip" || !bytes.Contains(m.decoded, []byte("# HELP")) {
		t.Fatalf("/metrics: got %d, encoding %q, body %.100q", m.status, m.header.Get("Content-Encoding"), m.decoded)
	}
	// A streamed export arrives whole.
	csv := fetchRaw(t, client, base+"/orders.csv", "gzip")
	if csv.status != http.StatusOK || !bytes.HasPrefix(csv.decoded, []byte("id,reference,status")) {
		t.Fatalf("/orders.csv: got %d %.100q", csv.status, csv.decoded)
	}
}

// A handler that flushes streams through the compression: each flushed part
// reaches the client before the handler goes on; a stream cut short
// (http.ErrAbortHandler) reaches it cut, never as a complete body.
func TestCompressionStreams(t *testing.T) {
	t.Parallel()
	clientRead := make(chan struct{})
	srv := httptest.NewServer(web.Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = io.WriteString(w, "id,name\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
		select {
		case <-clientRead:
		case <-time.After(10 * time.Second):
			t.Error("the client never got the flushed part")
		}
		_, _ = io.WriteString(w, strings.Repeat("1,ada\n", 500))
		if r.URL.Query().Has("cut") {
			panic(http.ErrAbortHandler)
		}
	})))
	t.Cleanup(srv.Close)

	for _, cut := range []bool{false, true} {
		url := srv.URL
		if cut {
			url += "?cut"
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" || !varies(resp.Header, "Accept-Encoding") {
			t.Fatalf("streamed CSV: Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Values("Vary"))
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		first := make([]byte, len("id,name\n"))
		if _, err := io.ReadFull(zr, first); err != nil || string(first) != "id,name\n" {
			t.Fatalf("the first part: %q, %v", first, err)
		}
		clientRead <- struct{}{}
		rest, err := io.ReadAll(zr)
		resp.Body.Close()
		switch {
		case cut && err == nil:
			t.Fatalf("a stream cut short read as complete (%d bytes)", len(rest))
		case !cut && (err != nil || len(rest) != 3000):
			t.Fatalf("the rest: %d bytes, %v; want 3000", len(rest), err)
		case cut && !errors.Is(err, io.ErrUnexpectedEOF):
			t.Logf("cut stream: %v", err)
		}
	}
}
