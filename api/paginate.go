package api

import (
	"net/http"
	"strconv"

	"pasched"
)

// PageSize is DRF's PAGE_SIZE of the seed.
const PageSize = 50

// page is DRF's PageNumberPagination envelope: R is the results, a slice
// of the list's items, or their JSON already rendered (json.RawMessage).
type page[R any] struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  R       `json:"results"`
}

// pageNumber reads ?page= as DRF does: absent → 1, "last" → the last page,
// anything else not a page → 404 "Invalid page.". count is the total.
func pageNumber(r *http.Request, count int) (int, error) {
	last := max(1, (count+PageSize-1)/PageSize)
	raw := r.URL.Query().Get("page")
	if raw == "" {
		return 1, nil
	}
	if raw == "last" {
		return last, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > last {
		return 0, pasched.Errorf(pasched.ENOTFOUND, "Invalid page.")
	}
	return n, nil
}

// newPage builds the envelope of page n of count items; nil results are
// an empty list.
func newPage[T any](r *http.Request, count, n int, results []T) page[[]T] {
	if results == nil {
		results = []T{}
	}
	p := page[[]T]{Count: count, Results: results}
	p.Next, p.Previous = pageLinks(r, count, n)
	return p
}

// pageLinks are page n's absolute next and previous links (nil where
// there is none), whose query keeps the request's other parameters
// (sorted, as Django re-encodes them).
func pageLinks(r *http.Request, count, n int) (next, previous *string) {
	if n*PageSize < count {
		u := pageURL(r, n+1)
		next = &u
	}
	if n > 1 {
		u := pageURL(r, n-1)
		previous = &u
	}
	return next, previous
}

func pageURL(r *http.Request, n int) string {
	q := r.URL.Query()
	if n == 1 {
		q.Del("page")
	} else {
		q.Set("page", strconv.Itoa(n))
	}
	u := absoluteURL(r, r.URL.Path)
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

// absoluteURL is Django's build_absolute_uri for a path.
func absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}
