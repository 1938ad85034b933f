package web_test

import (
	"fmt"
	"net/http"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// Lists that page backwards page forwards too: "newer" from page 3 is page 2,
// from page 2 the first page, which has no newer link.
func TestListsPageForwards(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	for i := 0; i < 123; i++ {
		raise(app, store.AlertDisputeOpened, fmt.Sprintf("dispute:dp_%d", i), "Dispute opened")
	}
	c := app.SignIn(store.UserAdmin)
	ids := func(p *Page) string {
		var out string
		p.Find("alert-row").Each(func(_ int, s *Selectionish) {
			id, _ := s.Attr("data-id")
			out += id + " "
		})
		return out
	}
	p1 := c.Get("/alerts?state=open").Want(http.StatusOK)
	if p1.Find("newer-page").Length() != 0 {
		t.Fatal("the first page has a newer link")
	}
	href := func(p *Page, testid string) string {
		t.Helper()
		h, ok := p.Find(testid).Attr("href")
		if !ok {
			t.Fatalf("no %s link on:\n%s", testid, p.Body)
		}
		return h
	}
	p2 := c.Get(href(p1, "next-page")).Want(http.StatusOK)
	p3 := c.Get(href(p2, "next-page")).Want(http.StatusOK)
	if n := p3.Find("alert-row").Length(); n != 23 {
		t.Fatalf("third page: got %d rows, want 23", n)
	}
	back2 := c.Get(href(p3, "newer-page")).Want(http.StatusOK)
	if ids(back2) != ids(p2) {
		t.Fatalf("newer from page 3: got %s, want page 2: %s", ids(back2), ids(p2))
	}
	back1 := c.Get(href(back2, "newer-page")).Want(http.StatusOK)
	if ids(back1) != ids(p1) || back1.Find("newer-page").Length() != 0 {
		t.Fatalf("newer from page 2: got %s, want the first page", ids(back1))
	}
	if h := href(back2, "newer-page"); h != "/alerts?state=open" {
		t.Errorf("newer link keeps the filter: got %q", h)
	}
	// A bookmarked older page (no trail) leads to the first page.
	for path, want := range map[string]string{
		"/customers?before=999999999":  "/customers",
		"/orders?before=999999999":     "/orders",
		"/outbox?before=999999999":     "/outbox",
		"/tickets?before=999999999":    "/tickets",
		"/audit?before=999999999":      "/audit",
		"/disputes?after=%7C999999999": "/disputes",
	} {
		p := c.Get(path).Want(http.StatusOK)
		if p.Find("newer-page").Length() == 0 {
			continue // an empty list shows its empty state, not a pager
		}
		if h := href(p, "newer-page"); h != want {
			t.Errorf("%s: newer link %q, want %q", path, h, want)
		}
	}
}

// The audit log pages both ways through the same helper as every list: three
// pages of 100, 100 and the rest; "newer" from the third is the second, from
// the second the first, which has none.
func TestAuditLogPagesBothWays(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	for i := 0; i < 230; i++ {
		if err := app.Store.Audit(t.Context(), "test@example.com", "test.entry", fmt.Sprintf("entry:%d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	c := app.SignIn(store.UserAdmin)
	rows := func(p *Page) string {
		var out string
		p.Find("audit-row").Each(func(_ int, s *Selectionish) { out += s.Text() + "\n" })
		return out
	}
	href := func(p *Page, testid string) string {
		t.Helper()
		h, ok := p.Find(testid).Attr("href")
		if !ok {
			t.Fatalf("no %s link on:\n%s", testid, p.Body)
		}
		return h
	}
	p1 := c.Get("/audit").Want(http.StatusOK)
	if p1.Find("newer-page").Length() != 0 {
		t.Fatal("the first page has a newer link")
	}
	p2 := c.Get(href(p1, "next-page")).Want(http.StatusOK)
	p3 := c.Get(href(p2, "next-page")).Want(http.StatusOK)
	if n := p3.Find("audit-row").Length(); n < 30 || n >= 100 || p3.Find("next-page").Length() != 0 {
		t.Fatalf("third page: got %d rows and %d older links, want the last 30-odd and none", n, p3.Find("next-page").Length())
	}
	back2 := c.Get(href(p3, "newer-page")).Want(http.StatusOK)
	if rows(back2) != rows(p2) {
		t.Fatal("newer from page 3 is not page 2")
	}
	back1 := c.Get(href(back2, "newer-page")).Want(http.StatusOK)
	if rows(back1) != rows(p1) || back1.Find("newer-page").Length() != 0 {
		t.Fatal("newer from page 2 is not the first page")
	}
}
