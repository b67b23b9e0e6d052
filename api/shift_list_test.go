package api

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"

	"pasched"
	"pasched/api/wire"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// listOracle is what GET /api/shifts/?query answers for u, worked out
// without any cache, the way the list was served before it had one: a
// count, then the page, rendered with encoding/json. It returns the
// status and the body.
func listOracle(t *testing.T, e *env, u *pasched.User, query string) (int, []byte) {
	t.Helper()
	ctx := context.Background()
	r := httptest.NewRequest("GET", e.http.URL+"/api/shifts/?"+query, nil)
	r.Host = strings.TrimPrefix(e.http.URL, "http://")
	f, err := shiftFilter(r)
	if err != nil {
		t.Fatalf("oracle: %s: %v", query, err)
	}
	if !u.IsAdmin() {
		f.RequestedBy = u.ID
	}
	count, err := sqlstore.CountShifts(ctx, e.db, f)
	if err != nil {
		t.Fatal(err)
	}
	n, err := pageNumber(r, count)
	if err != nil {
		return 404, []byte(`{"detail":"Invalid page."}`)
	}
	f.Offset, f.Limit = (n-1)*PageSize, PageSize
	shifts, err := sqlstore.FindShifts(ctx, e.db, f)
	if err != nil {
		t.Fatal(err)
	}
	results := make([]wire.Shift, len(shifts))
	for i, sh := range shifts {
		results[i] = wire.NewShift(sh, false)
	}
	b, err := json.Marshal(newPage(r, count, n, results))
	if err != nil {
		t.Fatal(err)
	}
	return 200, b
}

// listView is one list request: who asks, and the query.
type listView struct {
	as    *pasched.User
	query string
}

// checkLists asserts that every view answers exactly what the oracle does.
func checkLists(t *testing.T, e *env, label string, views []listView) {
	t.Helper()
	checkListsRounds(t, e, []string{label}, views)
}

// checkListsRounds asks every view once per label, in rounds (all the
// views, then all of them again), and asserts each answer is exactly what
// the oracle does. The oracle reads the database once per view: nothing
// writes between the rounds.
func checkListsRounds(t *testing.T, e *env, labels []string, views []listView) {
	t.Helper()
	type want struct {
		status int
		body   []byte
		value  any
	}
	wants := make([]want, len(views))
	for i, v := range views {
		w := &wants[i]
		w.status, w.body = listOracle(t, e, v.as, v.query)
		if err := json.Unmarshal(w.body, &w.value); err != nil {
			t.Fatal(err)
		}
	}
	for _, label := range labels {
		for i, v := range views {
			w := wants[i]
			r := e.do("GET", "/api/shifts/?"+v.query, nil, v.as)
			if r.Status != w.status {
				t.Fatalf("%s: %s as %s: status %d, want %d: %s", label, v.query, v.as.Email, r.Status, w.status, r.Body)
			}
			var got any
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Fatalf("%s: %s: %v: %s", label, v.query, err, r.Body)
			}
			if !reflect.DeepEqual(got, w.value) {
				t.Fatalf("%s: %s as %s: stale or wrong list\n got: %s\nwant: %s", label, v.query, v.as.Email, r.Body, w.body)
			}
		}
	}
}

// TestShiftListSeesChanges checks that the cached list pages never outlive
// a change: after every kind of write (through the API, to a user or a
// period, by another connection, by another process) each page, filter and
// scope answers what an uncached read of the database does. It runs with
// the production configuration (the user cache on).
func TestShiftListSeesChanges(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newSchedFix(t, d, envOpts{userCache: true})
		ctx := context.Background()
		var pas []*pasched.User
		for i := range 6 {
			pas = append(pas, f.pa(fmt.Sprintf("pa%d@example.com", i), "PA", fmt.Sprint(i)))
		}
		p, err := f.sched.FindPeriodDetail(ctx, f.admin, f.mar)
		if err != nil {
			t.Fatal(err)
		}
		seedShifts(t, f.db, p.Period, f.admin, pas, 120)
		views := []listView{
			{f.admin, ""}, {f.admin, "page=2"}, {f.admin, "page=3"}, {f.admin, "page=last"}, {f.admin, "page=4"},
			{f.admin, "status=PENDING"}, {f.admin, "status=APPROVED&page=2"}, {f.admin, "status=CANCELLED"},
			{f.admin, fmt.Sprintf("period=%d", f.mar)}, {f.admin, "start_date=2030-03-02&end_date=2030-03-16"},
			{f.alice, ""}, {f.alice, "page=last"}, {f.alice, "status=PENDING"}, {f.bob, ""}, {pas[0], ""}, {pas[0], "page=last"},
		}
		step := func(label string) {
			t.Helper()
			// The second round is answered from the cache, when there is one.
			checkListsRounds(t, f.env, []string{label, label + " (again)"}, views)
		}
		step("seeded")

		a := f.request(f.alice, f.mar, "2030-03-16", "06:00", "09:00")
		step("create")
		b := f.request(f.bob, f.mar, "2030-03-16", "21:00", "22:00")
		f.approve(a)
		step("approve")
		expect(t, f.do("POST", shiftPath(b, "reject"), map[string]any{"rejected_reason": "No"}, f.admin), 200, "")
		step("reject")
		c := f.request(f.alice, f.mar, "2030-03-17", "10:00", "11:00")
		step("another create")
		expect(t, f.do("PATCH", shiftPath(c, ""), map[string]any{"start_time": "09:00", "notes": "earlier"}, f.alice), 200, "")
		step("edit by the PA")
		expect(t, f.do("PATCH", shiftPath(a, ""), map[string]any{"admin_notes": "checked"}, f.admin), 200, "")
		step("edit by an admin")
		expect(t, f.do("DELETE", shiftPath(c, ""), nil, f.alice), 200, "")
		step("cancel")
		expect(t, f.do("DELETE", shiftPath(a, ""), nil, f.admin), 204, "")
		step("delete")
		expect(t, f.do("POST", "/api/shifts/", map[string]any{"schedule_period": f.mar, "date": "2030-03-15", "start_time": "06:00",
			"end_time": "09:00", "admin_direct": true}, f.admin), 201, "")
		step("admin direct create")
		expect(t, f.do("PATCH", "/api/auth/me/", map[string]any{"first_name": "Renamed"}, pas[0]), 200, "")
		step("rename of a PA")
		expect(t, f.do("PATCH", "/api/auth/me/", map[string]any{"last_name": "Approver"}, f.admin), 200, "")
		step("rename of the approver")
		expect(t, f.do("PATCH", fmt.Sprintf("/api/schedule-periods/%d/", f.mar), map[string]any{"name": "Mars 2030"}, f.admin), 200, "")
		step("rename of the period")

		if d == sqlstore.SQLite {
			// Another *sql.DB on the same file: nothing of this process sees
			// the write but SQLite itself.
			other, err := sql.Open("sqlite", f.db.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if _, err := other.Exec(`UPDATE shift_requests SET notes = 'from another connection' WHERE id = (SELECT MAX(id) FROM shift_requests)`); err != nil {
				t.Fatal(err)
			}
			step("write by another connection")
			if _, err := other.Exec(`DELETE FROM shift_requests WHERE id = (SELECT MIN(id) FROM shift_requests)`); err != nil {
				t.Fatal(err)
			}
			step("delete by another connection")
			// Another process.
			runWriterProcess(t, f.db.DSN, `UPDATE users SET first_name = 'Elsewhere' WHERE email = 'pa1@example.com'`)
			step("write by another process")
			runWriterProcess(t, f.db.DSN, `UPDATE shift_requests SET status = 'APPROVED' WHERE status = 'PENDING'`)
			step("approvals by another process")
		}
		expect(t, f.do("POST", fmt.Sprintf("/api/schedule-periods/%d/finalize/", f.mar), map[string]any{}, f.admin), 200, "")
		step("finalize")
	})
}

// runWriterProcess runs q against the SQLite database dsn from a child
// process (this test binary, in TestShiftListWriterProcess).
func runWriterProcess(t *testing.T, dsn, q string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestShiftListWriterProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PASCHED_WRITER_DSN="+dsn, "PASCHED_WRITER_SQL="+q)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("writer process: %v\n%s", err, out)
	}
}

// TestShiftListWriterProcess is the child of runWriterProcess: it writes
// to a database another process is serving.
func TestShiftListWriterProcess(t *testing.T) {
	dsn, q := os.Getenv("PASCHED_WRITER_DSN"), os.Getenv("PASCHED_WRITER_SQL")
	if dsn == "" {
		t.Skip("only run as a child process")
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// TestShiftListQueries asserts the list's queries, with 10 shifts and with
// 300, on both engines: one (the schedule version) when nothing changed
// since the page was read and two (version, then the page with its count)
// after a change. Besides authentication's.
func TestShiftListQueries(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		for _, n := range []int{10, 300} {
			f := newSchedFix(t, d) // user cache off: authentication is one query
			p, err := f.sched.FindPeriodDetail(context.Background(), f.admin, f.mar)
			if err != nil {
				t.Fatal(err)
			}
			seedShifts(t, f.db, p.Period, f.admin, []*pasched.User{f.alice, f.bob}, n)
			queries := func(path string, as *pasched.User, status int) int64 {
				t.Helper()
				before := f.db.Queries()
				if r := f.do("GET", path, nil, as); r.Status != status {
					t.Fatalf("%s: %d %s", path, r.Status, r.Body)
				}
				return f.db.Queries() - before - 1
			}
			changed, same := int64(2), int64(1)
			for _, c := range []struct {
				path   string
				as     *pasched.User
				status int
			}{
				{"/api/shifts/", f.admin, 200}, {"/api/shifts/?page=last", f.admin, 200}, {"/api/shifts/?page=2", f.admin, 200},
				{"/api/shifts/?page=99", f.admin, 404}, {"/api/shifts/?status=APPROVED", f.admin, 200},
				{"/api/shifts/", f.alice, 200}, {"/api/shifts/?page=last", f.bob, 200},
			} {
				if c.path == "/api/shifts/?page=2" && n <= PageSize {
					c.status = 404
				}
				f.exec(`UPDATE shift_requests SET notes = 'changed' WHERE id = (SELECT MIN(id) FROM shift_requests)`)
				if got := queries(c.path, c.as, c.status); got != changed {
					t.Errorf("%d shifts: %s as %s after a change: %d queries, want %d", n, c.path, c.as.Email, got, changed)
				}
				if got := queries(c.path, c.as, c.status); got != same {
					t.Errorf("%d shifts: %s as %s unchanged: %d queries, want %d", n, c.path, c.as.Email, got, same)
				}
			}
		}
	})
}

// TestShiftListConcurrentWrites has clients read the list while others
// write: a list read that starts after a write returned always shows it,
// even while other requests are loading the same page.
func TestShiftListConcurrentWrites(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newSchedFix(t, d, envOpts{userCache: true})
		pas := []*pasched.User{f.alice, f.bob}
		for i := range 4 {
			pas = append(pas, f.pa(fmt.Sprintf("pa%d@example.com", i), "PA", fmt.Sprint(i)))
		}
		stop := make(chan struct{})
		var readers sync.WaitGroup
		for range 6 {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if r := f.do("GET", "/api/shifts/", nil, f.admin); r.Status != 200 {
						t.Errorf("list: %d %s", r.Status, r.Body)
						return
					}
				}
			}()
		}
		var writers sync.WaitGroup
		for w, pa := range pas {
			writers.Add(1)
			go func() {
				defer writers.Done()
				for i := range 8 {
					r := f.do("POST", "/api/shifts/", map[string]any{"schedule_period": f.mar,
						"date": fmt.Sprintf("2030-03-%02d", 1+i), "start_time": fmt.Sprintf("%02d:00", w), "end_time": fmt.Sprintf("%02d:30", w)}, pa)
					if r.Status != 201 {
						t.Errorf("create: %d %s", r.Status, r.Body)
						return
					}
					var sh struct{ ID int64 }
					json.Unmarshal(r.Body, &sh)
					for _, as := range []*pasched.User{f.admin, pa} {
						r = f.do("GET", "/api/shifts/", nil, as)
						if !strings.Contains(string(r.Body), fmt.Sprintf(`{"id":%d,`, sh.ID)) {
							t.Errorf("shift %d created, then missing from %s's list: %s", sh.ID, as.Email, r.Body)
							return
						}
					}
				}
			}()
		}
		writers.Wait()
		close(stop)
		readers.Wait()
		checkLists(t, f.env, "after the writes", []listView{{f.admin, ""}, {f.alice, ""}, {f.admin, "page=last"}})
	})
}

// TestPageParamMatchesPageNumber holds pageParam to pageNumber's reading
// of ?page= (the list reads it before it knows the count).
func TestPageParamMatchesPageNumber(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "1", "2", "last", "0", "-1", "+2", "abc", "1.5", " 1", "99999999999999999999", "Last"} {
		r := httptest.NewRequest("GET", "/api/shifts/?page="+url.QueryEscape(raw), nil)
		for _, count := range []int{0, 49, 50, 51, 120} {
			want, werr := pageNumber(r, count)
			n, err := pageParam(r)
			if err == nil && n == 0 { // last
				n = max(1, (count+PageSize-1)/PageSize)
			}
			if err == nil && n > max(1, (count+PageSize-1)/PageSize) {
				err = errInvalidPage
			}
			if (err != nil) != (werr != nil) || (err == nil && n != want) {
				t.Errorf("page %q of %d: pageParam %d %v, pageNumber %d %v", raw, count, n, err, want, werr)
			}
		}
	}
}
