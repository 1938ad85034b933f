// Package static holds the console's stylesheet and its one script, htmx,
// embedded into the binary.
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

//go:embed style.css icon.svg htmx-2.0.4.min.js htmx-LICENSE
var FS embed.FS

// Stylesheet and HTMX are the embedded files' names.
const (
	Stylesheet = "style.css"
	Icon       = "icon.svg"
	HTMX       = "htmx-2.0.4.min.js"
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
