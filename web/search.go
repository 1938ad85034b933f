package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const searchLimit = 50

// searchHit is a hit as the API returns it: with the console page that shows it.
type searchHit struct {
	store.SearchHit
	URL string `json:"url"`
}

// hitURL is the console page of a hit.
func hitURL(h store.SearchHit) string {
	switch h.Kind {
	case store.HitEvent:
		return "/events/" + h.ID
	case store.HitCustomer:
		return "/customers/" + h.ID
	case store.HitOrder:
		return "/orders/" + h.ID
	case store.HitDispute:
		return "/disputes/" + h.ID
	case store.HitPayout:
		return "/customers/" + h.ID + "#payouts"
	case store.HitTicket:
		return "/tickets/" + h.ID
	}
	return ""
}

// search runs a search query from a request's q.
func (s *Server) search(r *http.Request) (string, []searchHit, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if n := utf8.RuneCountInString(q); n > 200 {
		return q, nil, apiError{http.StatusUnprocessableEntity, "search for at most 200 characters: an ID, a reference, an email or a name"}
	}
	hs, err := s.store.Search(r.Context(), q, searchLimit)
	out := make([]searchHit, len(hs))
	for i, h := range hs {
		out[i] = searchHit{h, hitURL(h)}
	}
	return q, out, err
}

// searchShow handles GET /search?q=: an exact ID with one hit goes straight
// to its page (303); anything else lists what matched, by kind.
func (s *Server) searchShow(w http.ResponseWriter, r *http.Request) error {
	q, hits, err := s.search(r)
	if err != nil {
		return err
	}
	if len(hits) == 1 && store.SearchIsID(q) {
		http.Redirect(w, r, hits[0].URL, http.StatusSeeOther)
		return nil
	}
	d := views.SearchData{Query: q}
	for _, h := range hits {
		d.Hits = append(d.Hits, views.SearchHit{Kind: h.Kind, Label: h.Label, URL: h.URL})
	}
	return s.render(w, r, http.StatusOK, views.SearchPage(s.shell(r, "Search"), d))
}

// apiSearch handles GET /api/v1/search?q=: [{kind, id, label, url}].
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	_, hits, err := s.search(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, hits)
}
