package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// The navigation is grouped (Work, Customers, Admin), role-filtered as the
// routes are, and marks the current page and its group.
func TestNavigationGroups(t *testing.T) {
	t.Parallel()
	app := New(t)
	groups := func(p *Page) map[string][]string {
		out := map[string][]string{}
		p.Find("nav").Find(".nav-group").Each(func(_ int, g *goquery.Selection) {
			id, _ := g.Attr("data-testid")
			g.Find("a").Each(func(_ int, a *goquery.Selection) {
				out[strings.TrimPrefix(id, "nav-group-")] = append(out[strings.TrimPrefix(id, "nav-group-")], a.Text())
			})
		})
		return out
	}
	for role, want := range map[string]string{
		store.UserAdmin:   "Admin=Setup Users Tokens Audit Settings|Customers=Customers Orders Disputes Tickets Outbox|Sales=Sales|Work=Overview Events Jobs Alerts Deliveries",
		store.UserSupport: "Customers=Customers Orders Disputes Tickets|Work=Overview Events Alerts",
		store.UserSeller:  "Sales=Sales",
	} {
		c := app.SignIn(role)
		path := "/orders"
		if role == store.UserSeller {
			path = "/seller/orders"
		}
		p := c.Get(path).Want(http.StatusOK)
		var got []string
		for g, links := range groups(p) {
			got = append(got, g+"="+strings.Join(links, " "))
		}
		if s := strings.Join(slices.Sorted(slices.Values(got)), "|"); s != want {
			t.Errorf("%s: navigation got %q, want %q", role, s, want)
		}
		cur := p.Find("nav").Find(`a[aria-current="page"]`)
		if role != store.UserSeller {
			if cur.Length() != 1 || cur.Text() != "Orders" || p.Find("nav-group-Customers").Find("summary.current").Length() != 1 {
				t.Errorf("%s: the current page is not marked in its group:\n%s", role, p.Body)
			}
		} else if cur.Length() != 1 || cur.Text() != "Sales" {
			t.Errorf("seller: the current page is not marked: %d", cur.Length())
		}
	}
}
