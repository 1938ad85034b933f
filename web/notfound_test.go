package web_test

import (
	"net/http"
	"strings"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

func TestUnknownURLsGetTheConsoleLayout(t *testing.T) {
	t.Parallel()
	app := New(t)
	for role, home := range map[string]string{store.UserAdmin: "/", store.UserSupport: "/", store.UserSeller: "/seller/"} {
		p := app.SignIn(role).Get("/no/such/page").Want(http.StatusNotFound)
		if p.Find("nav").Length() == 0 || p.Find("error-message").Length() == 0 {
			t.Errorf("%s: the 404 is not the console's page:\n%s", role, p.Body)
		}
		if href, _ := p.Find("error-home").Attr("href"); href != home {
			t.Errorf("%s: the 404's way back: got %q, want %q", role, href, home)
		}
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: content type %q", role, ct)
		}
	}
	// Signed out: the same page, without navigation.
	if p := app.Anonymous().Get("/no/such/page").Want(http.StatusNotFound); p.Find("error-home").Length() == 0 {
		t.Errorf("signed out: no way back on the 404:\n%s", p.Body)
	}
	// Machines keep JSON.
	for _, path := range []string{"/api/v1/nosuch", "/webhooks/nosuch"} {
		p := app.Anonymous().Get(path).Want(http.StatusNotFound)
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || !strings.Contains(p.Body, `"error"`) {
			t.Errorf("%s: got %q %s, want a JSON error", path, ct, p.Body)
		}
	}
	// A known path with the wrong method is still 405, not a 404 page.
	app.Anonymous().Get("/events/bulk-replay/x").Want(http.StatusNotFound)
	req, _ := http.NewRequest(http.MethodDelete, app.Server.URL+"/events", nil)
	if p := app.Anonymous().Do(req); p.Status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /events: got %d, want 405", p.Status)
	}
}
