package api

import (
	"testing"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestAPIRoot: GET /api/ is the seed's DefaultRouter root (the schedules
// router's, which Django resolves first): 401 with DRF's body for
// anonymous callers, the router's list links for a signed-in user, built
// from the request's own host.
func TestAPIRoot(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		alice := e.pa("alice@example.com", "Alice", "Anderson")

		r := e.do("GET", "/api/", nil, nil)
		expect(t, r, 401, bodyNotProvided)
		if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="api"` {
			t.Errorf("WWW-Authenticate %q", got)
		}
		allowHeader(t, r, "GET, HEAD, OPTIONS")
		expect(t, e.do("GET", "/api/", nil, "not-a-token"), 401, "")

		r = e.do("GET", "/api/", nil, alice)
		expect(t, r, 200, "")
		if want := `{"schedule-periods":"` + e.http.URL + `/api/schedule-periods/"}`; string(r.Body) != want {
			t.Errorf("body %s, want %s", r.Body, want)
		}
		r = e.raw("GET", "/api/", nil, map[string]string{"Host": "localhost:8000", "Authorization": "Bearer " + e.access(alice)})
		if want := `{"schedule-periods":"http://localhost:8000/api/schedule-periods/"}`; r.Status != 200 || string(r.Body) != want {
			t.Errorf("with Host localhost:8000: %d %s, want %s", r.Status, r.Body, want)
		}

		// Django's APPEND_SLASH, DRF's 405 and OPTIONS, as for every view.
		r = e.do("GET", "/api", nil, alice)
		if r.Status != 301 || r.Header.Get("Location") != "/api/" {
			t.Errorf("GET /api: %d Location %q", r.Status, r.Header.Get("Location"))
		}
		expect(t, e.do("POST", "/api/", `{}`, alice), 405, `{"detail":"Method \"POST\" not allowed."}`)
		expect(t, e.do("POST", "/api/", `{}`, nil), 401, bodyNotProvided)
		expect(t, e.do("OPTIONS", "/api/", nil, alice), 200, `{"name":"Api Root","description":"The default basic root view for DefaultRouter",
			"renders":["application/json"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]}`)
	})
}
