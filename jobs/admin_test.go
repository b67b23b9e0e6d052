package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"pasched"
	"pasched/jobs"
	"pasched/mail"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func TestAdminJobs(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		ctx := context.Background()
		db := sqltest.Open(t, d)
		sys, err := jobs.New(ctx, jobs.Opts{DB: db}) // no workers: jobs stay where they are put
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sys.Close)
		a := &jobs.Admin{Client: sys.Client, DB: db}
		admin := &pasched.User{ID: 1, Role: pasched.RoleAdmin}
		pa := &pasched.User{ID: 2, Role: pasched.RolePA}
		for i := range 3 {
			err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
				return jobs.EnqueueEmail(ctx, sys.Client, tx, mail.Message{To: []string{fmt.Sprintf("p%d@example.com", i)},
					Subject: fmt.Sprintf("Shift approved %d", i), Text: "t"}, fmt.Sprintf("test:%d", i))
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		list, err := a.List(ctx, admin, "available", 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || list[0].Kind != "email" || list[0].About != "Shift approved 2 — to p2@example.com" {
			t.Fatalf("available jobs %+v", list)
		}
		if err := a.Cancel(ctx, admin, list[0].ID); err != nil {
			t.Fatal(err)
		}
		counts, err := a.CountByState(ctx, admin)
		if err != nil || counts["available"] != 2 || counts["cancelled"] != 1 {
			t.Errorf("counts %v, %v", counts, err)
		}
		if c, _ := a.List(ctx, admin, "cancelled", 50); len(c) != 1 || c[0].ID != list[0].ID || c[0].FinalizedAt == nil {
			t.Errorf("cancelled %+v", c)
		}
		if err := a.Retry(ctx, admin, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if counts, _ := a.CountByState(ctx, admin); counts["available"] != 3 || counts["cancelled"] != 0 {
			t.Errorf("after retry %v", counts)
		}
		for _, tc := range []struct {
			name string
			err  error
			code string
		}{
			{"PA lists", func() error { _, err := a.List(ctx, pa, "available", 5); return err }(), pasched.EFORBIDDEN},
			{"PA counts", func() error { _, err := a.CountByState(ctx, pa); return err }(), pasched.EFORBIDDEN},
			{"PA retries", a.Retry(ctx, pa, list[1].ID), pasched.EFORBIDDEN},
			{"PA cancels", a.Cancel(ctx, pa, list[1].ID), pasched.EFORBIDDEN},
			{"unknown state", func() error { _, err := a.List(ctx, admin, "lost'; --", 5); return err }(), pasched.EINVALID},
			{"unknown job retried", a.Retry(ctx, admin, 999999), pasched.ENOTFOUND},
			{"unknown job cancelled", a.Cancel(ctx, admin, 999999), pasched.ENOTFOUND},
		} {
			if pasched.ErrorCode(tc.err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.code)
			}
		}
		for _, st := range jobs.JobStates {
			if _, err := a.List(ctx, admin, string(st.State), 5); err != nil || strings.TrimSpace(st.Label) == "" {
				t.Errorf("state %s: %v", st.State, err)
			}
		}
	})
}
