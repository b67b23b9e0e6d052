package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// The hand-written JSON encoders (jsonAppender, appendjson.go: the "hand"
// sub-benchmarks) stay only where they are at least 1.5× faster than
// encoding/json on their endpoint. These benchmarks measure each against
// encoding/json on the same value (encoder level) and through the whole
// handler both ways (endpoint level, without the network; the figures
// that decide):
//
//	go test -run '^$' -bench 'Encode|Handler' -benchmem -count 3 ./api/
//
// Compare cpu-ns/op (the process's CPU time per op), not ns/op: the
// machine is shared.

// monthFixture is the month view of BenchmarkCalendarMonth: 20 PAs, 620
// approved shifts in March 2030, its span loaded.
func monthFixture(b *testing.B) (*calendarAPI, *http.Request) {
	ctx := context.Background()
	db := sqltest.Open(b, sqlstore.SQLite)
	srv := New(Deps{
		Accounts:   &accounts.Service{DB: db},
		Scheduling: &scheduling.Service{DB: db, Windows: schedule.DefaultWindows(), Location: time.UTC},
		DB:         db,
	})
	var users []*pasched.User
	err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		for i := 0; i <= 20; i++ {
			role := pasched.RolePA
			if i == 20 {
				role = pasched.RoleAdmin
			}
			u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: fmt.Sprintf("u%d@example.com", i), Username: fmt.Sprint("u", i),
				FirstName: "First", LastName: fmt.Sprint("Last ", i), PhoneNumber: "555", Role: role, PasswordHash: "x"})
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	period := insertPeriod(b, db, users[20].ID)
	var rows []calShiftRow
	for day := 1; day <= 31; day++ {
		for i, pa := range users[:20] {
			rows = append(rows, calShiftRow{pa.ID, fmt.Sprintf("2030-03-%02d", day), fmt.Sprintf("%02d:00:00", i+1),
				fmt.Sprintf("%02d:00:00", (i+6)%24), "5.00", "APPROVED", "Notes for the day"})
		}
	}
	insertShifts(b, db, period, users[20].ID, rows)
	r := httptest.NewRequest(http.MethodGet, "/api/calendar/month/2030/3/", nil)
	r.SetPathValue("year", "2030")
	r.SetPathValue("month", "3")
	return &calendarAPI{s: srv}, r
}

// benchMonthView builds the view the handler writes.
func benchMonthView(b *testing.B, c *calendarAPI) *monthView {
	mondays := schedule.MonthWeeks(2030, time.March)
	sp, err := c.loadSpan(context.Background(), mondays[0], mondays[len(mondays)-1].AddDays(6), 0, false)
	if err != nil {
		b.Fatal(err)
	}
	return buildMonth(sp, 2030, time.March, mondays)
}

// BenchmarkEncodeMonth: the month view's body (≈150 KB), hand-appended
// (each shift's JSON rendered once when its span loads) against
// encoding/json of the same structs.
func BenchmarkEncodeMonth(b *testing.B) {
	c, _ := monthFixture(b)
	v := benchMonthView(b, c)
	b.Run("hand", func(b *testing.B) {
		defer reportCPU(b)()
		buf := make([]byte, 0, 256<<10)
		for b.Loop() {
			buf = monthJSON.append(buf[:0], v)
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding_json", func(b *testing.B) {
		defer reportCPU(b)()
		var n int
		for b.Loop() {
			out, err := json.Marshal(v)
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
}

// BenchmarkMonthHandler: the month handler (span cached, as on every
// request but the first after a change) writing with the hand encoder,
// against the same handler steps writing with encoding/json.
func BenchmarkMonthHandler(b *testing.B) {
	c, r := monthFixture(b)
	benchCalendarHandler(b, c.month, r, func() (any, error) {
		year, month, _ := monthParams(r.PathValue("year"), r.PathValue("month"))
		mondays := schedule.MonthWeeks(year, month)
		sp, err := c.loadSpan(r.Context(), mondays[0], mondays[len(mondays)-1].AddDays(6), 0, false)
		return buildMonth(sp, year, month, mondays), err
	})
}

// BenchmarkWeekHandler: as BenchmarkMonthHandler, for the week view of
// 4–10 March 2030 (140 shifts, each also listed under every hour it
// overlaps).
func BenchmarkWeekHandler(b *testing.B) {
	c, _ := monthFixture(b)
	r := httptest.NewRequest(http.MethodGet, "/api/calendar/week/2030/10/", nil)
	r.SetPathValue("year", "2030")
	r.SetPathValue("week", "10")
	benchCalendarHandler(b, c.week, r, func() (any, error) {
		year, week, monday, _ := weekParams(r.PathValue("year"), r.PathValue("week"))
		sp, err := c.loadSpan(r.Context(), monday, monday.AddDays(6), 0, false)
		return buildWeek(sp, year, week, monday), err
	})
}

// BenchmarkDayHandler: as BenchmarkMonthHandler, for the day view of
// 5 March 2030 (20 shifts and the timeline).
func BenchmarkDayHandler(b *testing.B) {
	c, _ := monthFixture(b)
	r := httptest.NewRequest(http.MethodGet, "/api/calendar/day/2030-03-05/", nil)
	r.SetPathValue("date", "2030-03-05")
	benchCalendarHandler(b, c.day, r, func() (any, error) {
		d, _ := dayParam(r.PathValue("date"))
		sp, err := c.loadSpan(r.Context(), d, d, 0, false)
		return buildDay(sp, d, c.s.windows()), err
	})
}

// benchCalendarHandler measures a calendar handler as it serves r (its
// span cached first) against view, the handler's own steps, written with
// writeJSON (encoding/json).
func benchCalendarHandler(b *testing.B, handler http.HandlerFunc, r *http.Request, view func() (any, error)) {
	warm := httptest.NewRecorder()
	handler(warm, r) // load the span into the cache
	if warm.Code != http.StatusOK {
		b.Fatal(warm.Code, warm.Body.String())
	}
	b.Run("hand", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			w := httptest.NewRecorder()
			handler(w, r)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code, w.Body.String())
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			w := httptest.NewRecorder()
			v, err := view()
			if err != nil {
				b.Fatal(err)
			}
			writeJSON(w, http.StatusOK, v)
		}
	})
}

// benchShifts are 50 shifts, a list page.
func benchShifts() []*pasched.Shift {
	at := time.Date(2030, 3, 1, 8, 0, 0, 123000, time.UTC)
	out := make([]*pasched.Shift, 50)
	for i := range out {
		by := int64(1)
		out[i] = &pasched.Shift{ID: int64(i + 1), PeriodID: 7, PeriodName: "March 2030", RequestedByID: int64(i%20 + 2),
			RequestedByName: "First Last", Date: schedule.MustDate(2030, 3, i%28+1), Start: schedule.Clock(6, 0, 0),
			End: schedule.Clock(9, 0, 0), DurationHundredths: 300, Status: pasched.ShiftApproved, Notes: "Notes for the day",
			CreatedAt: at, UpdatedAt: at, ApprovedAt: &at, ApprovedByID: &by, ApprovedByName: "Ada Admin"}
	}
	return out
}

// BenchmarkEncodeShiftPage: a page of 50 shifts, as the list caches it
// (rendered once per change of the data: the hand-written encoder it
// replaced, about 7× faster here, made no difference to the endpoint).
func BenchmarkEncodeShiftPage(b *testing.B) {
	shifts := benchShifts()
	b.Run("encoding_json", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := shiftsJSON(shifts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodeListEnvelope: the shift list's envelope around a page's
// rendered results (kept in the page's memo: what every list request
// writes), hand-appended against encoding/json (which re-scans the
// results, a json.RawMessage, on every request).
func BenchmarkEncodeListEnvelope(b *testing.B) {
	p := &scheduling.ShiftListPage{Shifts: benchShifts(), Count: 620, Number: 2}
	r := httptest.NewRequest(http.MethodGet, "/api/shifts/?page=2", nil)
	writeListPage(discard{}, r, p) // render the results into the memo
	results, err := shiftsJSON(p.Shifts)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("hand", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			writeListPage(discard{}, r, p)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			next, prev := pageLinks(r, p.Count, p.Number)
			writeJSON(discard{}, http.StatusOK, page[json.RawMessage]{p.Count, next, prev, results})
		}
	})
}

// BenchmarkListHandler: GET /api/shifts/ page 1 of 620 shifts as an admin
// through the list handler (page cached by the read side), writing the
// envelope by hand against encoding/json.
func BenchmarkListHandler(b *testing.B) {
	sb := newSchedBench(b)
	l := &shiftListAPI{s: sb.srv}
	r := httptest.NewRequest(http.MethodGet, "/api/shifts/", nil)
	r = r.WithContext(context.WithValue(r.Context(), userKey{}, sb.admin))
	l.list(httptest.NewRecorder(), r) // warm the cache
	b.Run("hand", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			w := httptest.NewRecorder()
			l.list(w, r)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code, w.Body.String())
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			w := httptest.NewRecorder()
			f, _ := shiftFilter(r)
			p, err := sb.srv.Scheduling.ListShifts(r.Context(), sb.admin, f, PageSize, 1)
			if err != nil {
				b.Fatal(err)
			}
			results := p.Memo(listResultsKey{}, func() any { b, _ := shiftsJSON(p.Shifts); return b }).([]byte)
			next, prev := pageLinks(r, p.Count, p.Number)
			writeJSON(w, http.StatusOK, page[json.RawMessage]{p.Count, next, prev, results})
		}
	})
}

// BenchmarkEncodeUser: GET /me's body (the hand-written encoder it
// replaced was about 4× faster here, 1–2 µs of a request that costs
// about 50 µs).
func BenchmarkEncodeUser(b *testing.B) {
	u := newUserJSON(&pasched.User{ID: 1, Email: "alice@example.com", Username: "alice", FirstName: "Alice",
		LastName: "Anderson", PhoneNumber: "555-0101", Role: pasched.RolePA, DateJoined: time.Now()})
	b.Run("encoding_json", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := json.Marshal(u); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// reportCPU starts counting the process's CPU time; the function it returns
// reports it per op (cpu-ns/op), which other load on the shared machine
// disturbs less than ns/op. Use: defer reportCPU(b)() before b.Loop.
func reportCPU(b *testing.B) func() {
	cpu0 := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op") }
}

// discard is a ResponseWriter that drops the body.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return io.Discard.Write(b) }
func (discard) WriteHeader(int)             {}
