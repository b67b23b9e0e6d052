package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"pasched"
	"pasched/jobs"
	pmail "pasched/mail"
	"pasched/mail/smtptest"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// clock is a settable fixed clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// notifyBundle is a job system applying notification settings, on a fixed
// clock in TIME_ZONE Europe/London, sending to an SMTP sink.
type notifyBundle struct {
	t      *testing.T
	db     *sqlstore.DB
	smtp   *smtptest.Server
	clock  *clock
	loc    *time.Location
	signer *token.Signer
	sched  *scheduling.Service
	// sys is the current job system (startSystem replaces it: a restart).
	sys *jobs.System
	n   int
}

const publicURL = "http://pasched.test"

func setupNotify(t *testing.T, d sqlstore.Dialect, now time.Time) *notifyBundle {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	b := &notifyBundle{t: t, db: sqltest.Open(t, d), smtp: smtptest.Start(t), clock: &clock{t: now}, loc: loc,
		signer: token.NewSigner("notify-test-key")}
	b.sched = &scheduling.Service{DB: b.db, Windows: schedule.DefaultWindows(), Location: loc, FrontendURL: "http://frontend.test",
		Now: b.clock.now}
	return b
}

// startSystem starts a job system over the bundle's database: working, or
// only inserting (the jobs wait in the database for a later one).
func (b *notifyBundle) startSystem(work bool) {
	t := b.t
	t.Helper()
	ctx := context.Background()
	sender, err := pmail.NewSMTP(pmail.SMTPConfig{Host: b.smtp.Host(), Port: b.smtp.Port(), From: from, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	policy := &jobs.Policy{DB: b.db, Location: b.loc, Signer: b.signer, BaseURL: publicURL, SettingsURL: publicURL + "/profile", Now: b.clock.now}
	sys, err := jobs.New(ctx, jobs.Opts{DB: b.db, Sender: sender, FrontendURL: "http://frontend.test", Work: work, TestOnly: true,
		RetryBase: time.Millisecond, PollInterval: 20 * time.Millisecond, Policy: policy, Location: b.loc, Now: b.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	if work {
		if err := sys.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sys.Stop(sctx)
		})
	}
	b.sys = sys
	b.sched.Jobs = sys.Client
}

// stopSystem stops the current system (the process ends; its jobs stay).
func (b *notifyBundle) stopSystem() {
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.sys.Stop(sctx); err != nil {
		b.t.Fatal(err)
	}
	b.sys.Close()
}

func (b *notifyBundle) user(role string) *pasched.User {
	b.t.Helper()
	b.n++
	var u *pasched.User
	err := b.db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		var err error
		u, err = sqlstore.CreateUser(context.Background(), tx, pasched.NewUser{Email: fmt.Sprintf("user%d@example.test", b.n),
			Username: fmt.Sprintf("user%d", b.n), FirstName: fmt.Sprintf("User%d", b.n), LastName: "Test", PhoneNumber: "555",
			Role: role, PasswordHash: "x"})
		return err
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

func (b *notifyBundle) settings(u *pasched.User, edit func(s *pasched.NotificationSettings)) {
	b.t.Helper()
	err := b.db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		s, err := sqlstore.FindNotificationSettings(context.Background(), tx, u.ID)
		if err != nil {
			return err
		}
		edit(s)
		return sqlstore.SaveNotificationSettings(context.Background(), tx, s)
	})
	if err != nil {
		b.t.Fatal(err)
	}
}

// enqueue inserts email jobs as the scheduling service does.
func (b *notifyBundle) enqueue(args ...jobs.EmailArgs) {
	b.t.Helper()
	err := b.db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		for _, a := range args {
			if _, err := b.sys.Client.InsertTx(context.Background(), tx.SQL(), a, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.t.Fatal(err)
	}
}

// idle waits until no job is due or running (jobs scheduled for later,
// and snoozed ones, may remain), polling with a deadline. A job scheduled
// for a time already past waits for River's scheduler to make it
// available (every few seconds, on the leader).
func (b *notifyBundle) idle() {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := b.sys.Client.JobList(context.Background(), river.NewJobListParams().First(1000).
			States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStatePending, rivertype.JobStateScheduled))
		if err != nil {
			b.t.Fatal(err)
		}
		due := 0
		for _, j := range res.Jobs {
			if j.State != rivertype.JobStateScheduled || !j.ScheduledAt.After(time.Now()) {
				due++
			}
		}
		if due == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%d jobs still to run", due)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// delivered returns the delivered messages by recipient, as subjects.
func (b *notifyBundle) delivered() map[string][]string {
	out := map[string][]string{}
	for _, m := range b.smtp.Messages() {
		p := parse(b.t, m)
		for _, to := range m.To {
			out[to] = append(out[to], p.subject)
		}
	}
	return out
}

func notice(u *pasched.User, kind string) jobs.EmailArgs {
	return jobs.EmailArgs{To: []string{u.Email}, Subject: kind, Text: "about " + kind, HTML: "<html><body><main>" + kind + "</main><footer><p>auto</p></footer></body></html>",
		Event: kind + ":" + u.Email, Notify: kind, UserID: u.ID}
}

// TestEachKindSwitchedOff: nine users each switch one kind off; each gets
// every email of the other kinds, and account emails, and none of theirs.
// Every notification carries its own one-click unsubscribe link (RFC 8058
// headers and a line in both bodies); account emails none.
func TestEachKindSwitchedOff(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setupNotify(t, d, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
		b.startSystem(true)
		var users []*pasched.User
		for _, k := range pasched.NotifyKinds {
			u := b.user(pasched.RolePA)
			b.settings(u, func(s *pasched.NotificationSettings) { s.SetKind(k.Name, false) })
			users = append(users, u)
			var args []jobs.EmailArgs
			for _, kk := range pasched.NotifyKinds {
				args = append(args, notice(u, kk.Name))
			}
			acct := notice(u, "account")
			acct.Notify, acct.UserID = "", 0
			b.enqueue(append(args, acct)...)
		}
		b.idle()
		got := b.delivered()
		for i, k := range pasched.NotifyKinds {
			u := users[i]
			var want []string
			for _, kk := range pasched.NotifyKinds {
				if kk.Name != k.Name {
					want = append(want, kk.Name)
				}
			}
			want = append(want, "account")
			if strings.Join(got[u.Email], ",") != strings.Join(want, ",") && !sameSet(got[u.Email], want) {
				t.Errorf("%s off: got %v, want %v", k.Name, got[u.Email], want)
			}
		}
		for _, m := range b.smtp.Messages() {
			msg, err := m.Parse()
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, m)
			lu, post := msg.Header.Get("List-Unsubscribe"), msg.Header.Get("List-Unsubscribe-Post")
			if p.subject == "account" {
				if lu != "" || post != "" {
					t.Errorf("account email has unsubscribe headers %q %q", lu, post)
				}
				continue
			}
			addr, _ := mail.ParseAddress(m.To[0])
			owner := users[indexOfEmail(users, addr.Address)]
			link := strings.TrimSuffix(strings.TrimPrefix(lu, "<"), ">")
			tok, ok := strings.CutPrefix(link, publicURL+"/unsubscribe/")
			id, kind, valid := b.signer.ParseUnsubscribe(tok)
			if !ok || !valid || id != owner.ID || kind != p.subject || post != "List-Unsubscribe=One-Click" {
				t.Errorf("%s to %s: List-Unsubscribe %q (%d %q), List-Unsubscribe-Post %q", p.subject, owner.Email, lu, id, kind, post)
			}
			if !strings.Contains(p.text, link) || !strings.Contains(p.html, `href="`+link+`"`) || !strings.Contains(p.html, publicURL+"/profile") {
				t.Errorf("%s: bodies lack the link:\n%s\n%s", p.subject, p.text, p.html)
			}
			if i := strings.Index(p.html, link); i < 0 || i > strings.Index(p.html, "</footer>") {
				t.Errorf("%s: link not in the footer:\n%s", p.subject, p.html)
			}
		}
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func indexOfEmail(us []*pasched.User, email string) int {
	for i, u := range us {
		if u.Email == email {
			return i
		}
	}
	return -1
}

// TestQuietHours: at 23:00 with quiet hours 22:00–07:00 an email waits
// until 07:00, unless it is about a shift starting before then; at 07:00 it
// goes. Account emails never wait.
func TestQuietHours(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		night := time.Date(2026, 6, 1, 23, 0, 0, 0, time.UTC).Add(-time.Hour) // 23:00 BST
		b := setupNotify(t, d, night)
		b.startSystem(true)
		u := b.user(pasched.RolePA)
		b.settings(u, func(s *pasched.NotificationSettings) { s.Quiet = &pasched.QuietHours{Start: 22 * 60, End: 7 * 60} })
		soon := time.Date(2026, 6, 2, 6, 0, 0, 0, b.loc).UTC()  // starts in the quiet hours
		later := time.Date(2026, 6, 2, 9, 0, 0, 0, b.loc).UTC() // starts after them
		plain, early, late, acct := notice(u, pasched.NotifyShiftApproved), notice(u, pasched.NotifyShiftChanged), notice(u, pasched.NotifyReminder), notice(u, "account")
		early.ShiftStart, late.ShiftStart = &soon, &later
		acct.Notify, acct.UserID = "", 0
		before := time.Now()
		b.enqueue(plain, early, late, acct)
		b.idle()
		if got := b.delivered()[u.Email]; !sameSet(got, []string{pasched.NotifyShiftChanged, "account"}) {
			t.Fatalf("during quiet hours: %v", got)
		}
		// The others wait in River until 07:00 BST, 8 hours on.
		waiting := b.jobs("email", rivertype.JobStateScheduled)
		if len(waiting) != 2 {
			t.Fatalf("%d snoozed emails, want 2", len(waiting))
		}
		for _, j := range waiting {
			if d := j.ScheduledAt.Sub(before); d < 8*time.Hour-time.Minute || d > 8*time.Hour+time.Minute {
				t.Errorf("snoozed until %s (%s from now), want 8 hours", j.ScheduledAt, d)
			}
		}
		// 07:00: the quiet hours end; the snoozed emails run (made due now,
		// as 8 hours passing would) and go out.
		b.clock.set(time.Date(2026, 6, 2, 7, 0, 0, 0, b.loc))
		for _, j := range waiting {
			if _, err := b.sys.Client.JobRetry(context.Background(), j.ID); err != nil {
				t.Fatal(err)
			}
		}
		b.idle()
		if got := b.delivered()[u.Email]; !sameSet(got, []string{pasched.NotifyShiftChanged, "account", pasched.NotifyShiftApproved, pasched.NotifyReminder}) {
			t.Fatalf("after quiet hours: %v", got)
		}
	})
}

// jobs lists River's jobs of kind (in states, when given), oldest first.
func (b *notifyBundle) jobs(kind string, states ...rivertype.JobState) []*rivertype.JobRow {
	b.t.Helper()
	params := river.NewJobListParams().Kinds(kind).First(1000)
	if len(states) > 0 {
		params = params.States(states...)
	}
	res, err := b.sys.Client.JobList(context.Background(), params)
	if err != nil {
		b.t.Fatal(err)
	}
	return res.Jobs
}

// reminderJobs returns the reminder jobs: shift id → scheduled times.
func (b *notifyBundle) reminderJobs() map[int64][]time.Time {
	b.t.Helper()
	out := map[int64][]time.Time{}
	for _, j := range b.jobs("shift_reminder") {
		var a jobs.ReminderArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			b.t.Fatal(err)
		}
		out[a.ShiftID] = append(out[a.ShiftID], j.ScheduledAt.UTC())
	}
	return out
}

// TestReminders: on a fixed clock, one reminder per approved shift at its
// PA's lead time, queued with the approval; a moved shift reminded once,
// for its new time; none for a deleted shift, one that started, or a PA
// who wants none; a new lead time replaces the old; the jobs wait in the
// database across a restart and run once.
func TestReminders(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		// The fixed clock lies in the real past, so River finds every
		// reminder due at once; the workers judge by the fixed clock.
		now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC) // London is on GMT
		b := setupNotify(t, d, now)
		b.startSystem(false) // the first process only queues
		ctx := context.Background()
		admin := b.user(pasched.RoleAdmin)
		alice, bob, carol, dan := b.user(pasched.RolePA), b.user(pasched.RolePA), b.user(pasched.RolePA), b.user(pasched.RolePA)
		b.settings(bob, func(s *pasched.NotificationSettings) { s.ReminderLeadHours = 3 })
		b.settings(carol, func(s *pasched.NotificationSettings) { s.ReminderLeadHours = 0 })
		name := "January"
		from, to := schedule.MustDate(2026, 1, 1), schedule.MustDate(2026, 1, 31)
		p, err := b.sched.CreatePeriod(ctx, admin, scheduling.PeriodInput{Name: &name, StartDate: &from, EndDate: &to})
		if err != nil {
			t.Fatal(err)
		}
		approved := func(u *pasched.User, day int, start, end string) *pasched.Shift {
			t.Helper()
			dd := schedule.MustDate(2026, 1, day)
			s, _ := schedule.ParseTime(start)
			e, _ := schedule.ParseTime(end)
			sh, err := b.sched.CreateShift(ctx, u, scheduling.ShiftInput{PeriodID: &p.ID, Date: &dd, Start: &s, End: &e})
			if err != nil {
				t.Fatal(err)
			}
			if sh, err = b.sched.ApproveShift(ctx, admin, sh.ID, scheduling.ApproveInput{}); err != nil {
				t.Fatal(err)
			}
			return sh
		}
		at := func(day, h int) time.Time { return time.Date(2026, 1, day, h, 0, 0, 0, b.loc).UTC() }

		a1 := approved(alice, 11, "09:00", "17:00")    // lead 12: due 10 Jan 21:00
		moved := approved(alice, 12, "10:00", "14:00") // then moved to 15:00
		gone := approved(alice, 13, "10:00", "14:00")  // then deleted
		b1 := approved(bob, 11, "06:00", "09:00")      // lead 3: due 11 Jan 03:00
		c1 := approved(carol, 15, "10:00", "12:00")    // no reminders
		past := approved(dan, 10, "08:00", "11:00")    // started before now
		late := approved(dan, 10, "13:00", "15:00")    // due now (lead 12 > 1 hour away); starts before the workers run
		relead := approved(dan, 14, "09:00", "12:00")  // dan then picks 24 hours

		newStart, _ := schedule.ParseTime("15:00")
		newEnd, _ := schedule.ParseTime("19:00")
		if _, err := b.sched.UpdateShift(ctx, admin, moved.ID, scheduling.ShiftInput{Start: &newStart, End: &newEnd}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.sched.DeleteShift(ctx, admin, gone.ID); err != nil {
			t.Fatal(err)
		}
		if err := b.db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			s, err := sqlstore.FindNotificationSettings(ctx, tx, dan.ID)
			if err != nil {
				return err
			}
			s.ReminderLeadHours = 24
			if err := sqlstore.SaveNotificationSettings(ctx, tx, s); err != nil {
				return err
			}
			// As notify.Service.UpdateSettings does, in the same transaction.
			sh := *relead
			job, ok := jobs.ReminderJob(&sh, 24, b.loc, now)
			if !ok {
				return fmt.Errorf("no job")
			}
			_, err = b.sys.Client.InsertManyTx(ctx, tx.SQL(), []river.InsertManyParams{job})
			return err
		}); err != nil {
			t.Fatal(err)
		}

		// Queued with the changes, at the lead times.
		jobsOf := b.reminderJobs()
		for _, c := range []struct {
			name string
			sh   *pasched.Shift
			want []time.Time
		}{
			{"alice, 12 hours", a1, []time.Time{at(10, 21)}},
			{"moved: old and new start", moved, []time.Time{at(11, 22), at(12, 3)}},
			{"deleted (its job stays, harmless)", gone, []time.Time{at(12, 22)}},
			{"bob, 3 hours", b1, []time.Time{at(11, 3)}},
			{"carol wants none", c1, nil},
			{"started before now", past, nil},
			{"due at once", late, []time.Time{now}},
			{"new lead time", relead, []time.Time{at(13, 21), at(13, 9)}},
		} {
			got := jobsOf[c.sh.ID]
			ok := len(got) == len(c.want)
			for i := range got {
				ok = ok && got[i].Equal(c.want[i])
			}
			if !ok {
				t.Errorf("%s: reminder jobs at %v, want %v", c.name, got, c.want)
			}
		}

		// Time passes: the late shift has started when a worker first runs.
		b.clock.set(at(10, 13).Add(time.Minute))
		b.stopSystem()
		// A new process (a restart) finds the jobs in the database.
		b.startSystem(true)
		b.idle()
		reminders := map[string][]string{}
		for _, m := range b.smtp.Messages() {
			p := parse(t, m)
			if strings.HasPrefix(p.subject, "⏰") {
				reminders[m.To[0]] = append(reminders[m.To[0]], p.subject)
				if !strings.Contains(p.text, "A reminder that your shift starts in") {
					t.Errorf("reminder text:\n%s", p.text)
				}
			}
		}
		want := map[string][]string{
			alice.Email: {"⏰ Shift Reminder: Jan 11, 2026 at 09:00 AM", "⏰ Shift Reminder: Jan 12, 2026 at 03:00 PM"},
			bob.Email:   {"⏰ Shift Reminder: Jan 11, 2026 at 06:00 AM"},
			dan.Email:   {"⏰ Shift Reminder: Jan 14, 2026 at 09:00 AM"},
		}
		if len(reminders) != len(want) {
			t.Errorf("reminders %v, want %v", reminders, want)
		}
		for to, w := range want {
			if !sameSet(reminders[to], w) {
				t.Errorf("%s: reminders %v, want %v", to, reminders[to], w)
			}
		}
		// A duplicate job (a retry, a second scheduling) sends nothing more.
		sh := *a1
		job, _ := jobs.ReminderJob(&sh, 12, b.loc, now)
		// Due at once: what is checked here is the worker's refusal, not
		// River's scheduler (it made the jobs above due), whose next tick
		// is up to 5 s away.
		job.InsertOpts.ScheduledAt = time.Time{}
		if _, err := b.sys.Client.InsertMany(ctx, []river.InsertManyParams{job}); err != nil {
			t.Fatal(err)
		}
		b.idle()
		n := 0
		for _, m := range b.smtp.Messages() {
			if strings.HasPrefix(parse(t, m).subject, "⏰") {
				n++
			}
		}
		if n != 4 {
			t.Errorf("%d reminders after a duplicate job, want 4", n)
		}
	})
}
