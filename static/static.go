// Package static holds the console's stylesheet and its scripts (htmx and
// the navigation's few lines), embedded into the binary.
//
// htmx is vendored and pinned: htmx-2.0.4.min.js is dist/htmx.min.js from the
// npm package htmx.org@2.0.4 (sha256 e209dda5c8235479f3166defc7750e1dbcd5a5c1808b7792fc2e6733768fb447),
// with its licence in htmx-LICENSE. To upgrade: `npm pack htmx.org@VERSION`,
// copy dist/htmx.min.js here under the new version's name, and change HTMX.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

//go:embed style.css icon.svg htmx-2.0.4.min.js htmx-LICENSE nav.js
var FS embed.FS

// Stylesheet, Icon, HTMX and Nav are the embedded files' names.
const (
	Stylesheet = "style.css"
	Icon       = "icon.svg"
	HTMX       = "htmx-2.0.4.min.js"
	// Nav closes the navigation's menus on an outside click and on Escape,
	// and keeps one open at a time (the CSP allows no inline script).
	Nav = "nav.js"
)

// Version is a short hash of a file's content, for cache-busting URLs.
func Version(name string) string {
	b, err := fs.ReadFile(FS, name)
	if err != nil {
		return "missing"
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:6])
}
