package views

import "strings"

// uaName is a name and the user-agent substrings that give it away.
type uaName struct {
	name  string
	signs []string
}

// Browsers and systems, most specific first (Edge's user agent says Chrome
// and Safari too; Android's says Linux).
var (
	uaBrowsers = []uaName{{"Edge", []string{"Edg/", "Edge/"}}, {"Opera", []string{"OPR/"}}, {"Firefox", []string{"Firefox/"}},
		{"Chrome", []string{"Chrome/", "Chromium/"}}, {"Safari", []string{"Safari/"}}, {"curl", []string{"curl/"}},
		{"Go client", []string{"Go-http-client"}}}
	uaSystems = []uaName{{"iOS", []string{"iPhone", "iPad"}}, {"Android", []string{"Android"}}, {"Windows", []string{"Windows"}},
		{"macOS", []string{"Macintosh", "Mac OS X"}}, {"ChromeOS", []string{"CrOS"}}, {"Linux", []string{"Linux", "X11"}}}
)

// DeviceName names the browser and system a user agent describes, for the
// session list ("Firefox on Linux"); "Unknown device" when it says nothing
// recognisable.
func DeviceName(ua string) string {
	browser, system := uaMatch(ua, uaBrowsers), uaMatch(ua, uaSystems)
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "" || system != "":
		return browser + system
	}
	return "Unknown device"
}

func uaMatch(ua string, names []uaName) string {
	for _, n := range names {
		for _, sign := range n.signs {
			if strings.Contains(ua, sign) {
				return n.name
			}
		}
	}
	return ""
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
