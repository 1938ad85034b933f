package web

import (
	"net/http"
	"net/url"
)

// maxTrail bounds how many pages back "newer" can step before it falls back
// to the first page (the trail rides in the URL).
const maxTrail = 30

// pageBack lets a list that pages backwards by a cursor parameter (before or
// after) page forwards too, without a reverse query: each "older" link carries
// the trail of the cursors it came through (?trail=…, repeated), and "newer"
// pops the last one. It returns the next page's query with the trail added,
// and the newer page's URL ("" on the first page). A page opened without a
// trail (a bookmark) gets the first page as its newer one.
func pageBack(r *http.Request, path, param, nextQuery string) (next, newerHref string) {
	q := r.URL.Query()
	cur, paged := q.Get(param), q.Has(param)
	trail := q["trail"]
	if nextQuery != "" {
		nq, err := url.ParseQuery(nextQuery)
		if err == nil {
			t := append(append([]string(nil), trail...), cur)
			if len(t) > maxTrail {
				t = t[len(t)-maxTrail:]
			}
			nq["trail"] = t
			next = nq.Encode()
		} else {
			next = nextQuery
		}
	}
	if !paged || cur == "" {
		return next, ""
	}
	newer := url.Values{}
	for k, v := range q {
		newer[k] = v
	}
	delete(newer, "trail")
	newer.Del(param)
	if n := len(trail); n > 0 {
		if prev := trail[n-1]; prev != "" {
			newer.Set(param, prev)
		}
		if n > 1 {
			newer["trail"] = trail[:n-1]
		}
	}
	if len(newer) == 0 {
		return next, path
	}
	return next, path + "?" + newer.Encode()
}

// onePage is how every keyset-paged list in the console pages: the list is
// fetched one row longer than size, trimmed here to one page, and, when there
// was more, the older page's query is this request's own (its filters kept)
// with param set to the last row's cursor and the trail pageBack reads. The
// newer page's URL is "" on the first page.
func onePage[T any](r *http.Request, param string, items []T, size int, cursor func(last T) string) (page []T, nextQuery, newerHref string) {
	next := ""
	if len(items) > size {
		items = items[:size]
		q := r.URL.Query()
		delete(q, "trail")
		q.Set(param, cursor(items[len(items)-1]))
		next = q.Encode()
	}
	next, newerHref = pageBack(r, r.URL.Path, param, next)
	return items, next, newerHref
}
