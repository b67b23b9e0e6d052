package api

import (
	"context"
	"mime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"pasched/mail"
	"pasched/mail/smtptest"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestShiftEmailsDelivered runs the River workers with an SMTP sink: a
// request emails the admin, an approval the PA, a refused approval no one,
// and each email arrives once.
func TestShiftEmailsDelivered(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		sink := smtptest.Start(t)
		sender, err := mail.NewSMTP(mail.SMTPConfig{Host: sink.Host(), Port: sink.Port(), From: "rota@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		f := newSchedFix(t, d, envOpts{sender: sender})
		completed, cancelSub := f.jobs.Client.Subscribe(river.EventKindJobCompleted)
		defer cancelSub()
		m := f.request(f.alice, f.mar, "2030-03-02", "06:00", "09:00")
		clash := f.request(f.bob, f.mar, "2030-03-02", "08:00", "10:00")
		expect(t, f.do("POST", shiftPath(m, "approve"), map[string]any{"admin_notes": "Welcome aboard"}, f.admin), 200, "")
		expect(t, f.do("POST", shiftPath(clash, "approve"), map[string]any{}, f.admin), 400, "")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		// Three emails; other jobs (periodic clean-ups, reminders) may
		// complete meanwhile and are not counted.
		for n := 0; n < 3; {
			select {
			case ev := <-completed:
				if ev.Job.Kind == "email" {
					n++
				}
			case <-ctx.Done():
				t.Fatalf("emails not sent: %d received", len(sink.Messages()))
			}
		}
		msgs := sink.Messages()
		var got []string
		for _, r := range msgs {
			p, err := r.Parse()
			if err != nil {
				t.Fatal(err)
			}
			dec := new(mime.WordDecoder)
			subj, _ := dec.DecodeHeader(p.Header.Get("Subject"))
			got = append(got, strings.Join(r.To, ",")+" "+subj)
		}
		want := []string{
			"admin@example.com 🔔 New Shift Request from Alicia Anderson",
			"admin@example.com 🔔 New Shift Request from Bob Brown",
			"alice@example.com ✅ Shift Approved: Mar 02, 2030",
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("emails:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestReadSideOutlivesOtherCommits checks what invalidates the read side's
// cache (the schedule version, which read models are kept under): the
// emails of a change being sent (River's job commits), sign-ins (session
// and token rows) and a password reset leave it alone, while a schedule
// change moves it and is shown at once. (Query counts cannot tell here:
// the jobs query the same store.)
func TestReadSideOutlivesOtherCommits(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		sink := smtptest.Start(t)
		sender, err := mail.NewSMTP(mail.SMTPConfig{Host: sink.Host(), Port: sink.Port(), From: "rota@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		f := newSchedFix(t, d, envOpts{sender: sender})
		completed, cancelSub := f.jobs.Client.Subscribe(river.EventKindJobCompleted)
		defer cancelSub()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		version := func() int64 {
			t.Helper()
			v, _, err := sqlstore.ScheduleVersion(ctx, f.db, 0)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		wait := func(n int) {
			t.Helper()
			for i := range n {
				select {
				case <-completed:
				case <-ctx.Done():
					t.Fatalf("%d of %d jobs completed", i, n)
				}
			}
		}
		paths := []string{"/api/calendar/month/2030/3/", "/api/shifts/"}
		m := f.request(f.alice, f.mar, "2030-03-02", "06:00", "09:00")
		for _, p := range paths {
			if r := f.do("GET", p, nil, f.admin); r.Status != 200 {
				t.Fatalf("%s: %d %s", p, r.Status, r.Body)
			}
		}
		before := version()
		f.do("POST", "/api/auth/login/", map[string]string{"email": f.alice.Email, "password": "wrong password"}, nil)
		login(t, f.env, f.admin.Email, testPassword)
		f.do("POST", "/api/auth/password-reset/", map[string]string{"email": f.bob.Email}, nil)
		wait(3) // the request's email, the reset's lookup and its email
		if after := version(); after != before {
			t.Fatalf("job and session commits moved the schedule version from %d to %d", before, after)
		}
		expect(t, f.do("POST", shiftPath(m, "approve"), map[string]any{}, f.admin), 200, "")
		if after := version(); after == before {
			t.Fatalf("an approval left the schedule version at %d", before)
		}
		for _, p := range paths {
			r := f.do("GET", p, nil, f.admin)
			if !strings.Contains(string(r.Body), `"status":"APPROVED"`) {
				t.Errorf("%s after an approval does not show it: %s", p, r.Body)
			}
		}
		wait(1) // the approval's email, before the test's database goes
	})
}
