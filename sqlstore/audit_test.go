package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func TestAuditLog(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sqltest.Open(t, d)
		ctx := context.Background()
		admin := createUser(t, db, pasched.NewUser{Email: "ada@example.com", Username: "ada", FirstName: "Ada", Role: pasched.RoleAdmin, PhoneNumber: "1"})
		pa := createUser(t, db, pasched.NewUser{Email: "pat@example.com", Username: "pat", FirstName: "Pat", Role: pasched.RolePA, PhoneNumber: "2"})
		t0 := time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)
		entries := []*pasched.AuditEntry{
			{At: t0, ActorID: &admin.ID, ActorName: "Ada", Kind: pasched.AuditPeriodCreated, Summary: "Created period March",
				PeriodID: pasched.Int64Ptr(7), After: `{"name":"March"}`},
			{At: t0.Add(time.Minute), ActorID: &admin.ID, ActorName: "Ada", Kind: pasched.AuditShiftApproved, Summary: "Approved Pat's shift",
				PeriodID: pasched.Int64Ptr(7), ShiftID: pasched.Int64Ptr(11), SubjectUserID: &pa.ID, Before: `{"status":"PENDING"}`, After: `{"status":"APPROVED"}`},
			{At: t0.Add(2 * time.Minute), ActorID: &pa.ID, ActorName: "Pat", Kind: pasched.AuditCoverOfferAccepted, Summary: "Pat took the cover offer",
				PeriodID: pasched.Int64Ptr(8), ShiftID: pasched.Int64Ptr(12), SubjectUserID: &pa.ID},
		}
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			for _, e := range entries {
				if err := sqlstore.InsertAudit(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		// An entry written in a transaction that rolls back is gone with it.
		boom := errors.New("boom")
		err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			if err := sqlstore.InsertAudit(ctx, tx, &pasched.AuditEntry{At: t0, Kind: pasched.AuditShiftDeleted, Summary: "never"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WriteTx = %v, want boom", err)
		}

		all, err := sqlstore.FindAudit(ctx, db, pasched.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 || all[0].Kind != pasched.AuditCoverOfferAccepted || all[2].Kind != pasched.AuditPeriodCreated {
			t.Fatalf("FindAudit: got %d entries, want 3 newest first", len(all))
		}
		got := all[1]
		if !got.At.Equal(t0.Add(time.Minute)) || *got.ActorID != admin.ID || got.ActorName != "Ada" || *got.ShiftID != 11 ||
			*got.SubjectUserID != pa.ID || got.Before != `{"status":"PENDING"}` || got.After != `{"status":"APPROVED"}` {
			t.Errorf("entry read back as %+v", got)
		}
		if all[2].ShiftID != nil || all[2].Before != "" {
			t.Errorf("absent fields read back as %v, %q", all[2].ShiftID, all[2].Before)
		}

		for _, tc := range []struct {
			name string
			f    pasched.AuditFilter
			want int
		}{
			{"by actor", pasched.AuditFilter{ActorID: admin.ID}, 2},
			{"by period", pasched.AuditFilter{PeriodID: 7}, 2},
			{"by subject", pasched.AuditFilter{SubjectUserID: pa.ID}, 2},
			{"by kind", pasched.AuditFilter{Kind: pasched.AuditShiftApproved}, 1},
			{"by shift", pasched.AuditFilter{ShiftID: 12}, 1},
			{"combined", pasched.AuditFilter{ActorID: admin.ID, PeriodID: 8}, 0},
		} {
			n, err := sqlstore.CountAudit(ctx, db, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			found, err := sqlstore.FindAudit(ctx, db, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want || len(found) != tc.want {
				t.Errorf("%s: count %d, found %d, want %d", tc.name, n, len(found), tc.want)
			}
		}
		page, err := sqlstore.FindAudit(ctx, db, pasched.AuditFilter{Offset: 1, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 1 || page[0].Kind != pasched.AuditShiftApproved {
			t.Errorf("page 2 of 1: %+v", page)
		}
	})
}
