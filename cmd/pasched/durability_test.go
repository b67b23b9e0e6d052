package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"pasched/jobs"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// Durability: the real binary under a mixed write load, killed with
// SIGKILL at random moments and restarted, loses no acknowledged write,
// never double-books a PA, keeps coverage equal to a recomputation, and
// delivers every email exactly once within 60 s of the last restart.
const (
	durabilityKills = 6
	durabilityPAs   = 3
	// durabilityMaxOps bounds the load on each instance whatever the
	// machine's speed; a client that reaches it waits for the next
	// instance (a bound on the whole run instead stopped the load for good
	// on a fast machine, and the next wait for progress failed).
	durabilityMaxOps = 1000
)

// The two durability tests run in parallel with each other (each has its
// own directory, database, binary instances and ports): they are the
// package's longest, and mostly wait on restarts and the load's progress.
func TestDurabilitySQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the binary")
	}
	t.Parallel()
	dir := t.TempDir()
	runDurability(t, dir, migratedSQLite(t))
}

func TestDurabilityPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the binary")
	}
	t.Parallel()
	url := sqltest.PostgresSchemaURL(t)
	runDurability(t, t.TempDir(), url)
}

// loadClient is one API user of the load; base is the current instance.
type loadClient struct {
	base  *atomic.Value // string
	token string
	http  *http.Client
	// up is closed once the instance of the moment is serving; a request
	// without an answer waits for it (a killed instance's successor).
	up *atomic.Pointer[chan struct{}]
}

// do sends one request; status 0 means no answer (the server was killed
// or was restarting): the write's outcome is unknown.
func (c *loadClient) do(method, path string, body any) (int, map[string]any) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base.Load().(string)+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.http.Do(req)
	if err != nil {
		<-*c.up.Load()
		return 0, nil
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var out map[string]any
	json.Unmarshal(data, &out)
	return res.StatusCode, out
}

// ledger is what the load was told, and what it tried without an answer.
type ledger struct {
	mu sync.Mutex
	// created: acknowledged creations, shift id → PA token index.
	created map[int64]int
	// approved, rejected, cancelled, deleted: acknowledged decisions.
	approved, rejected, cancelled, deleted map[int64]bool
	// deleteTried: every admin delete sent, answered or not.
	deleteTried map[int64]bool
	// notes: per shift, the last acknowledged note and the notes sent
	// after it without an answer (any of them may be stored).
	notes map[int64][]string
	// unknown counts writes without an answer.
	writes, unknown int
}

func (l *ledger) pick(m map[int64]int, rng *rand.Rand, pa int) (int64, bool) {
	var ids []int64
	for id, owner := range m {
		if pa < 0 || owner == pa {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return 0, false
	}
	return ids[rng.IntN(len(ids))], true
}

var durabilitySlots = [][2]string{{"06:00", "09:00"}, {"08:00", "12:00"}, {"12:00", "16:00"}, {"17:00", "21:00"},
	{"21:00", "22:00"}, {"20:00", "23:30"}, {"22:00", "06:30"}}

// deadAfter1s: one instance is alive at a time, so a short JOBS_DEAD_AFTER
// cannot hand a live process's jobs to another; it bounds how long the
// emails a killed instance was sending wait for its successor (the
// default, 15 s, would be most of the test's time).
const deadAfter1s = "JOBS_DEAD_AFTER=1s"

func runDurability(t *testing.T, dir, dbURL string) {
	createAdminCmd(t, dir, dbURL)
	in := launchServe(t, dir, dbURL, deadAfter1s)
	all := []*instance{in}
	var current atomic.Pointer[instance]
	current.Store(in)
	t.Cleanup(func() {
		if in := current.Load(); in != nil {
			in.stop(t, 20*time.Second)
		}
	})
	base := &atomic.Value{}
	base.Store(in.base)

	admin := loginAs(t, in.base, "admin@example.com", "Adm1n-Pass-2030!")
	pas := make([]string, durabilityPAs)
	for i := range pas {
		_, pas[i] = registerPA(t, in.base, fmt.Sprintf("pa%d@example.com", i), "Pat", fmt.Sprintf("Number%d", i))
	}
	pid := id(call(t, "POST", in.base+"/api/schedule-periods/", admin, map[string]string{
		"name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31"}, 201))

	led := &ledger{created: map[int64]int{}, approved: map[int64]bool{}, rejected: map[int64]bool{},
		cancelled: map[int64]bool{}, deleted: map[int64]bool{}, deleteTried: map[int64]bool{}, notes: map[int64][]string{}}
	up := &atomic.Pointer[chan struct{}]{}
	serving := make(chan struct{})
	close(serving)
	up.Store(&serving)
	client := func(tok string) *loadClient {
		return &loadClient{base: base, token: tok, http: &http.Client{Timeout: 10 * time.Second}, up: up}
	}
	stop := make(chan struct{})
	// newShift wakes the admin when there is a shift to decide on.
	newShift := make(chan struct{}, 1)
	// ops counts the requests sent to the current instance; refill is
	// closed (and replaced) when the next instance takes over.
	var ops atomic.Int64
	refill := &atomic.Pointer[chan struct{}]{}
	firstRefill := make(chan struct{})
	refill.Store(&firstRefill)
	// budget reports whether a client may send one more request, waiting
	// for the next instance when this one has had durabilityMaxOps; false
	// once the load stops.
	budget := func() bool {
		for {
			next := *refill.Load()
			if ops.Add(1) <= durabilityMaxOps {
				return true
			}
			select {
			case <-next:
			case <-stop:
				return false
			}
		}
	}
	var wg sync.WaitGroup
	// Each PA requests shifts, edits their notes and cancels some.
	for i, tok := range pas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, rng := client(tok), rand.New(rand.NewPCG(uint64(i), 7))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if !budget() {
					return
				}
				led.mu.Lock()
				own, hasOwn := led.pick(led.created, rng, i)
				led.mu.Unlock()
				switch r := rng.IntN(10); {
				case r < 6 || !hasOwn:
					slot := durabilitySlots[rng.IntN(len(durabilitySlots))]
					status, body := c.do("POST", "/api/shifts/", map[string]any{"schedule_period": pid,
						"date": fmt.Sprintf("2030-03-%02d", 1+rng.IntN(28)), "start_time": slot[0], "end_time": slot[1]})
					led.mu.Lock()
					led.writes++
					switch {
					case status == 201:
						led.created[int64(body["id"].(float64))] = i
						select {
						case newShift <- struct{}{}:
						default:
						}
					case status == 0:
						led.unknown++
					}
					led.mu.Unlock()
				case r < 8:
					note := fmt.Sprintf("note %d-%d", i, n)
					status, _ := c.do("PATCH", fmt.Sprintf("/api/shifts/%d/", own), map[string]any{"notes": note})
					led.mu.Lock()
					led.writes++
					switch status {
					case 200:
						led.notes[own] = []string{note}
					case 0:
						led.unknown++
						if len(led.notes[own]) == 0 {
							led.notes[own] = []string{""} // as created, if none of these landed
						}
						led.notes[own] = append(led.notes[own], note)
					}
					led.mu.Unlock()
				default:
					status, _ := c.do("DELETE", fmt.Sprintf("/api/shifts/%d/", own), nil)
					led.mu.Lock()
					led.writes++
					switch status {
					case 204, 200:
						led.cancelled[own] = true
					case 0:
						led.unknown++
					}
					led.mu.Unlock()
				}
			}
		}()
	}
	// The admin approves, rejects and deletes.
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, rng := client(admin), rand.New(rand.NewPCG(99, 7))
		for {
			select {
			case <-stop:
				return
			default:
			}
			led.mu.Lock()
			sid, ok := led.pick(led.created, rng, -1)
			led.mu.Unlock()
			if !ok {
				select {
				case <-newShift:
				case <-stop:
				}
				continue
			}
			if !budget() {
				return
			}
			var method, path string
			var body any
			r := rng.IntN(20)
			switch {
			case r < 12:
				method, path, body = "POST", fmt.Sprintf("/api/shifts/%d/approve/", sid), map[string]string{"admin_notes": "ok"}
			case r < 18:
				method, path, body = "POST", fmt.Sprintf("/api/shifts/%d/reject/", sid), map[string]string{"rejected_reason": "covered"}
			default:
				method, path = "DELETE", fmt.Sprintf("/api/shifts/%d/", sid)
			}
			status, _ := c.do(method, path, body)
			led.mu.Lock()
			led.writes++
			if method == "DELETE" {
				led.deleteTried[sid] = true
			}
			switch {
			case status == 0:
				led.unknown++
			case status/100 == 2 && method == "DELETE":
				led.deleted[sid] = true
			case status == 200 && r < 12:
				led.approved[sid] = true
			case status == 200:
				led.rejected[sid] = true
			}
			led.mu.Unlock()
		}
	}()

	// Kill at random moments, restart at once.
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	// progress waits (bounded) until the load has had acknowledged writes
	// since the last restart, so that a slow machine still kills the
	// server in the middle of work, not before any.
	progress := func(writes, approvals int) {
		t.Helper()
		led.mu.Lock()
		w0, a0 := len(led.created)+len(led.rejected)+len(led.cancelled), len(led.approved)
		led.mu.Unlock()
		deadline := time.Now().Add(90 * time.Second)
		for time.Now().Before(deadline) {
			led.mu.Lock()
			w, a := len(led.created)+len(led.rejected)+len(led.cancelled), len(led.approved)
			led.mu.Unlock()
			if w-w0 >= writes && a-a0 >= approvals {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("the load made no progress in 90 s (%d writes and %d approvals wanted)", writes, approvals)
	}
	for k := 1; k <= durabilityKills; k++ {
		progress(3, 1)
		// A random moment of the load (which has four requests in flight
		// at any time: every kill cuts some off unanswered).
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		restarting := make(chan struct{})
		up.Store(&restarting)
		old := current.Load()
		old.cmd.Process.Signal(syscall.SIGKILL)
		<-old.exited
		current.Store(nil)
		in = launchServe(t, dir, dbURL, deadAfter1s)
		all = append(all, in)
		current.Store(in)
		base.Store(in.base)
		close(restarting)
		ops.Store(0)
		nextRefill := make(chan struct{})
		close(*refill.Swap(&nextRefill))
	}
	// Some work after the last restart too (approvals among it), so the
	// checks below look at decisions made by every instance.
	progress(3, 1)
	lastRestart := time.Now()
	close(stop)
	wg.Wait()

	db, err := sqlstore.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkWrites(t, db, led)
	checkNoOverlap(t, db)
	checkCoverage(t, db)
	emails, jobsN, dups := checkEmailsOnce(t, db, filepath.Join(dir, "mail"), led, lastRestart)
	// How re-runs of delivered emails were caught: by the sent mark, or
	// (crash between delivery and mark) by the file backend's Message-ID.
	byMark, bySender := 0, 0
	for _, in := range all {
		for _, l := range in.lines() {
			switch l.Msg {
			case "jobs: email already sent; completing without sending":
				byMark++
			case "jobs: email already delivered by the sender; marking it sent":
				bySender++
			}
		}
	}
	led.mu.Lock()
	t.Logf("%s: %d kills, %d writes (%d acknowledged creations, %d approvals, %d rejections, %d cancellations, %d deletions, %d unanswered), %d email jobs, %d emails, %d duplicates; re-runs skipped by the sent mark %d, by the file's Message-ID %d",
		db.Dialect, durabilityKills, led.writes, len(led.created), len(led.approved), len(led.rejected), len(led.cancelled),
		len(led.deleted), led.unknown, jobsN, emails, dups, byMark, bySender)
	led.mu.Unlock()
}

// checkWrites: every acknowledged write is in the database.
func checkWrites(t *testing.T, db *sqlstore.DB, led *ledger) {
	t.Helper()
	ctx := context.Background()
	type row struct {
		status, notes string
	}
	rows, err := db.QueryContext(ctx, `SELECT id, status, notes FROM shift_requests`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]row{}
	for rows.Next() {
		var id int64
		var r row
		if err := rows.Scan(&id, &r.status, &r.notes); err != nil {
			t.Fatal(err)
		}
		stored[id] = r
	}
	rows.Close()
	led.mu.Lock()
	defer led.mu.Unlock()
	for id := range led.created {
		r, ok := stored[id]
		switch {
		case led.deleted[id]:
			if ok {
				t.Errorf("shift %d: deletion acknowledged, still stored (%s)", id, r.status)
			}
			continue
		case !ok:
			if !led.deleteTried[id] {
				t.Errorf("shift %d: creation acknowledged, not stored", id)
			}
			continue
		}
		want := ""
		switch {
		case led.approved[id]:
			want = "APPROVED"
		case led.rejected[id]:
			want = "REJECTED"
		case led.cancelled[id]:
			want = "CANCELLED"
		}
		if want != "" && r.status != want {
			t.Errorf("shift %d: %s acknowledged, stored %s", id, want, r.status)
		}
		if allowed := led.notes[id]; len(allowed) > 0 && !containsStr(allowed, r.notes) {
			t.Errorf("shift %d (%s): notes %q stored, acknowledged %q", id, r.status, r.notes, allowed)
		}
	}
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// checkNoOverlap: no two approved shifts of one PA overlap in time.
func checkNoOverlap(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	shifts, err := sqlstore.FindShifts(context.Background(), db, sqlstore.ShiftFilter{Status: "APPROVED"})
	if err != nil {
		t.Fatal(err)
	}
	byPA := map[int64][]schedule.Shift{}
	for _, sh := range shifts {
		byPA[sh.RequestedByID] = append(byPA[sh.RequestedByID], sh.Rule())
	}
	for pa, list := range byPA {
		for i := range list {
			for j := i + 1; j < len(list); j++ {
				if schedule.Overlaps(list[i].Interval(), list[j].Interval()) {
					t.Errorf("PA %d: approved shifts %+v and %+v overlap", pa, list[i], list[j])
				}
			}
		}
	}
}

// errRollback undoes the recomputation once it has been read.
var errRollback = errors.New("rollback")

// checkCoverage: the stored coverage tables equal a recomputation from the
// approved shifts (done in a transaction that is rolled back).
func checkCoverage(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	svc := &scheduling.Service{DB: db, Windows: schedule.DefaultWindows(), Location: time.UTC}
	var stored, recomputed string
	err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.LockSchedule(ctx, sqlstore.ScheduleLocks{All: true}); err != nil {
			return err
		}
		var err error
		if stored, err = coverageDump(ctx, tx); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM critical_time_coverage`, `DELETE FROM weekly_coverage`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		if err := svc.RecomputeAll(ctx, tx); err != nil {
			return err
		}
		if recomputed, err = coverageDump(ctx, tx); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if stored != recomputed {
		t.Errorf("stored coverage differs from a recomputation:\nstored:\n%s\nrecomputed:\n%s", stored, recomputed)
	}
	if !strings.Contains(stored, "true") {
		t.Error("no covered window at all: the load approved nothing?")
	}
}

// coverageDump lists what the coverage tables say is covered (rows that
// cover nothing are left out: a date that lost its last shift keeps an
// uncovered row, a recomputation writes none).
func coverageDump(ctx context.Context, tx *sqlstore.Tx) (string, error) {
	var b strings.Builder
	rows, err := tx.QueryContext(ctx, `SELECT date, morning_covered, evening_covered, windows, morning_shift_id, evening_shift_id
FROM critical_time_coverage ORDER BY date`)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var date, windows string
		var m, e bool
		var mi, ei *int64
		if err := rows.Scan(&date, &m, &e, &windows, &mi, &ei); err != nil {
			rows.Close()
			return "", err
		}
		if !strings.Contains(windows, `"covered":true`) && !m && !e {
			continue
		}
		fmt.Fprintf(&b, "%s %v %v %s %v %v\n", date[:10], m, e, windows, deref(mi), deref(ei))
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT schedule_period_id, pa_id, week_start_date, CAST(total_hours AS TEXT), exceeds_limit
FROM weekly_coverage ORDER BY schedule_period_id, pa_id, week_start_date`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var period, pa int64
		var week, hours string
		var exceeds bool
		if err := rows.Scan(&period, &pa, &week, &hours, &exceeds); err != nil {
			return "", err
		}
		if strings.Trim(hours, "0.") == "" {
			continue
		}
		fmt.Fprintf(&b, "week %d %d %s %s %v\n", period, pa, week[:10], hours, exceeds)
	}
	return b.String(), rows.Err()
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// checkEmailsOnce waits (at most 60 s from the last restart) until every
// email job committed has its message in the file backend's directory, then
// asserts that none was delivered twice and that every acknowledged
// decision has its email. It returns how many messages, email jobs and
// duplicate deliveries there were.
func checkEmailsOnce(t *testing.T, db *sqlstore.DB, mailDir string, led *ledger, lastRestart time.Time) (files, jobsN, dups int) {
	t.Helper()
	ctx := context.Background()
	deadline := lastRestart.Add(60 * time.Second)
	var (
		events    map[int64]string // email job id → event
		delivered map[int64]int    // job id → messages
	)
	for {
		events = map[int64]string{}
		args := `args` // PostgreSQL's jsonb reads as text; SQLite stores JSONB
		if db.Dialect == sqlstore.SQLite {
			args = `json(args)`
		}
		rows, err := db.QueryContext(ctx, `SELECT id, `+args+` FROM river_job WHERE kind = 'email'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var args []byte
			if err := rows.Scan(&id, &args); err != nil {
				t.Fatal(err)
			}
			var a jobs.EmailArgs
			json.Unmarshal(args, &a)
			events[id] = a.Event
		}
		rows.Close()
		entries, _ := os.ReadDir(mailDir)
		delivered, files = map[int64]int{}, 0
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			files++
			if jid, ok := jobs.JobOfMessageID(e.Name()); ok {
				delivered[jid]++
			}
		}
		// Decisions' emails must all go out; other notices may be held
		// back by their recipient's notification settings.
		missing, decisions := 0, 0
		for id, ev := range events {
			if strings.HasPrefix(ev, "shift_approved:") || strings.HasPrefix(ev, "shift_rejected:") {
				decisions++
				if delivered[id] == 0 {
					missing++
				}
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d decision emails without their message 60 s after the last restart", missing, decisions)
		}
		time.Sleep(100 * time.Millisecond) // polling the mail directory, with a deadline
	}
	for id, n := range delivered {
		if n > 1 {
			dups += n - 1
			t.Errorf("email of job %d (%s) delivered %d times", id, events[id], n)
		}
		if _, ok := events[id]; !ok {
			t.Errorf("message of job %d, which is not an email job", id)
		}
	}
	byEvent := map[string]bool{}
	for _, ev := range events {
		byEvent[ev] = true
	}
	led.mu.Lock()
	for id := range led.approved {
		if !byEvent[fmt.Sprintf("shift_approved:%d", id)] {
			t.Errorf("approval of shift %d acknowledged, no email", id)
		}
	}
	for id := range led.rejected {
		if !byEvent[fmt.Sprintf("shift_rejected:%d", id)] {
			t.Errorf("rejection of shift %d acknowledged, no email", id)
		}
	}
	led.mu.Unlock()
	return files, len(events), dups
}
