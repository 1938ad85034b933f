package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const (
	customersPageSize = 50
	timelinePageSize  = 50
	customerMessages  = 20
)

// customersIndex handles GET /customers?q=: search by email, name, Stripe
// customer or Connect account ID, or CRM contact ID, newest first,
// keyset-paginated by ?before=ID.
func (s *Server) customersIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("q"))
	if n := utf8.RuneCountInString(query); n > 200 {
		// The form again, saying why: nobody has an ID or email that long.
		d := views.CustomersData{Error: fmt.Sprintf("Search for at most 200 characters (this search has %d): an email, a name or an ID.", n)}
		return s.render(w, r, http.StatusUnprocessableEntity, views.CustomersPage(s.shell(r, "Customers"), d))
	}
	before, err := beforeID(q.Get("before"), "a customer ID")
	if err != nil {
		return err
	}
	as, err := s.store.SearchAccounts(r.Context(), query, before, customersPageSize+1)
	if err != nil {
		return err
	}
	d := views.CustomersData{Query: query}
	d.Accounts, d.NextQuery, d.NewerHref = onePage(r, "before", as, customersPageSize, func(last store.Account) string {
		return strconv.FormatInt(last.ID, 10)
	})
	return s.render(w, r, http.StatusOK, views.CustomersPage(s.shell(r, "Customers"), d))
}

// customersShow handles GET /customers/{id}: the canonical record, CRM sync,
// mail, and the timeline (older pages by ?after=time|kind|key).
func (s *Server) customersShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if done, err := s.redirectStripeID(w, r, "/customers/"); done || err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	var after *store.TimelineCursor
	if a := r.URL.Query().Get("after"); a != "" {
		parts := strings.SplitN(a, "|", 3)
		var t time.Time
		if len(parts) == 3 {
			t, err = time.Parse(time.RFC3339Nano, parts[0])
		}
		if len(parts) != 3 || err != nil {
			return badRequest("after is not a timeline cursor")
		}
		after = &store.TimelineCursor{At: t, Kind: parts[1], Key: parts[2]}
	}
	a, err := s.store.AccountByID(ctx, id)
	if err != nil {
		return err
	}
	d := views.CustomerData{Account: a, Older: after != nil, CRMOff: s.crmOff(), Admin: currentUser(ctx).Role == store.UserAdmin}
	if a.StripeAccountID != nil {
		if d.Payouts, err = s.store.SellerPayouts(ctx, &a.ID, 5); err != nil {
			return err
		}
	}
	if d.Communication, err = s.store.AccountCommunication(ctx, id); err != nil {
		return err
	}
	if d.Messages, err = s.store.MessagesByAccount(ctx, id, customerMessages); err != nil {
		return err
	}
	items, err := s.store.Timeline(ctx, a, after, timelinePageSize+1)
	if err != nil {
		return err
	}
	d.Timeline, d.TimelineNext, _ = onePage(r, "after", items, timelinePageSize, func(last store.TimelineItem) string {
		c := last.Cursor()
		return c.At.UTC().Format(time.RFC3339Nano) + "|" + c.Kind + "|" + c.Key
	})
	return s.render(w, r, http.StatusOK, views.CustomerPage(s.shell(r, views.AccountName(a)), d))
}

// beforeID reads a keyset ?before= value: empty is the first page.
func beforeID(v, what string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, badRequest("before must be " + what)
	}
	return n, nil
}
