package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"pasched"
	"pasched/scheduling"
)

// shiftListAPI serves GET /api/shifts/ from the scheduling read side
// (scheduling.Service.ListShifts: a page is read with its count in one
// query and kept while the data it was read from is unchanged, on SQLite
// and PostgreSQL alike), rendering each page's shifts once (kept in the
// page's memo).
type shiftListAPI struct {
	s *Server
}

// listResultsKey is the key in a page's memo of the JSON array of its
// shifts (or the error rendering it).
type listResultsKey struct{}

// errInvalidPage is DRF's answer to a page that does not exist.
var errInvalidPage = pasched.Errorf(pasched.ENOTFOUND, "Invalid page.")

// pageParam reads ?page= as pageNumber does, before the count is known:
// absent → 1, "last" → 0 (the last page), a number ≥ 1 → itself, anything
// else → 404. Whether a number is past the end is known after the query.
func pageParam(r *http.Request) (int, error) {
	raw := r.URL.Query().Get("page")
	switch raw {
	case "":
		return 1, nil
	case "last":
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, errInvalidPage
	}
	return n, nil
}

// list answers GET /api/shifts/: the shifts the user may see (an admin
// every shift, a PA their own), filtered, newest first, a page at a time.
func (l *shiftListAPI) list(w http.ResponseWriter, r *http.Request) {
	s := l.s
	u := userFrom(r)
	f, err := shiftFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	n, err := pageParam(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, err := s.Scheduling.ListShifts(r.Context(), u, f, PageSize, n)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if p.Beyond {
		writeError(w, r, errInvalidPage)
		return
	}
	writeListPage(w, r, p)
}

// writeListPage writes p in DRF's envelope, its links made for r.
func writeListPage(w http.ResponseWriter, r *http.Request, p *scheduling.ShiftListPage) {
	memo := p.Memo(listResultsKey{}, func() any {
		b, err := shiftsJSON(p.Shifts)
		if err != nil {
			return err
		}
		return b
	})
	results, ok := memo.([]byte)
	if !ok {
		writeError(w, r, memo.(error))
		return
	}
	// The envelope is appended (appendjson.go): encoding/json would re-scan
	// the rendered results on every request, which makes the request cost
	// 4× the CPU time (BenchmarkListHandler).
	env := page[json.RawMessage]{Count: p.Count, Results: results}
	env.Next, env.Previous = pageLinks(r, p.Count, p.Number)
	rawPageJSON.write(w, &env)
}

// rawPageJSON appends an envelope around rendered results.
var rawPageJSON = newJSONAppender[page[json.RawMessage]]()
