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
		for range 3 {
			select {
			case <-completed:
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

// TestReadSideOutlivesOtherCommits checks what the read side's cache is
// invalidated by: the emails of a change being sent (River's job commits),
// a sign-in (session and token rows) and a password-reset request leave
// the month view and the shift list served from memory (one query each,
// besides authentication's), while the next schedule change is seen at
// once.
func TestReadSideOutlivesOtherCommits(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		sink := smtptest.Start(t)
		sender, err := mail.NewSMTP(mail.SMTPConfig{Host: sink.Host(), Port: sink.Port(), From: "rota@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		f := newSchedFix(t, d, envOpts{sender: sender})
		completed, cancelSub := f.jobs.Client.Subscribe(river.EventKindJobCompleted)
		defer cancelSub()
		paths := []string{"/api/calendar/month/2030/3/", "/api/shifts/"}
		queries := func(path string) int64 {
			t.Helper()
			before := f.db.Queries()
			if r := f.do("GET", path, nil, f.admin); r.Status != 200 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			return f.db.Queries() - before - 1 // authentication's
		}
		m := f.request(f.alice, f.mar, "2030-03-02", "06:00", "09:00")
		for _, p := range paths {
			queries(p) // warm
		}
		// Sign-ins and a password reset, whose request is looked up and
		// emailed by jobs; then every job (the shift request's email, the
		// reset's lookup and email) completes before the views are counted
		// again, since jobs run queries through the same store.
		f.do("POST", "/api/auth/login/", map[string]string{"email": f.alice.Email, "password": "wrong password"}, nil)
		login(t, f.env, f.admin.Email, testPassword)
		f.do("POST", "/api/auth/password-reset/", map[string]string{"email": f.bob.Email}, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for i := range 3 {
			select {
			case <-completed:
			case <-ctx.Done():
				t.Fatalf("%d of 3 jobs completed", i)
			}
		}
		for _, p := range paths {
			if got := queries(p); got != 1 {
				t.Errorf("%s after job and session commits: %d queries, want 1 (served from memory)", p, got)
			}
		}
		expect(t, f.do("POST", shiftPath(m, "approve"), map[string]any{}, f.admin), 200, "")
		select { // the approval's email
		case <-completed:
		case <-ctx.Done():
			t.Fatal("approval email not sent")
		}
		for _, p := range paths {
			before := f.db.Queries()
			r := f.do("GET", p, nil, f.admin)
			if got := f.db.Queries() - before - 1; got != 2 {
				t.Errorf("%s after an approval: %d queries, want 2 (rebuilt)", p, got)
			}
			if !strings.Contains(string(r.Body), `"status":"APPROVED"`) {
				t.Errorf("%s after an approval does not show it: %s", p, r.Body)
			}
		}
	})
}
