package sqlstore_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestFindNotificationSettingsOf: the settings of several users in one
// read are each user's own, as FindNotificationSettings reads them alone:
// saved ones as saved, the defaults for users who never saved any.
func TestFindNotificationSettingsOf(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sqltest.Open(t, d)
		ctx := context.Background()
		var ids []int64
		for i := range 4 {
			u := createUser(t, db, pasched.NewUser{Email: fmt.Sprintf("u%d@example.test", i), Username: fmt.Sprintf("u%d", i),
				Role: pasched.RolePA, PasswordHash: "x"})
			ids = append(ids, u.ID)
		}
		edits := []func(s *pasched.NotificationSettings){
			func(s *pasched.NotificationSettings) { s.SetKind(pasched.NotifyShiftApproved, false) },
			func(s *pasched.NotificationSettings) {
				s.Quiet = &pasched.QuietHours{Start: 22 * 60, End: 7 * 60}
				s.ReminderLeadHours, s.FeedIncludePending = 3, true
			},
		}
		for i, edit := range edits {
			write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
				s := pasched.DefaultNotificationSettings(ids[i])
				edit(s)
				return sqlstore.SaveNotificationSettings(ctx, tx, s)
			})
		}
		got, err := sqlstore.FindNotificationSettingsOf(ctx, db, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ids) {
			t.Fatalf("%d settings for %d users", len(got), len(ids))
		}
		for _, id := range ids {
			alone, err := sqlstore.FindNotificationSettings(ctx, db, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got[id], alone) {
				t.Errorf("user %d: %+v together, %+v alone", id, got[id], alone)
			}
		}
		if got[ids[0]].Wants(pasched.NotifyShiftApproved) || got[ids[1]].Quiet == nil || got[ids[1]].ReminderLeadHours != 3 {
			t.Errorf("saved settings not read: %+v %+v", got[ids[0]], got[ids[1]])
		}
		if !reflect.DeepEqual(got[ids[3]], pasched.DefaultNotificationSettings(ids[3])) {
			t.Errorf("user without settings: %+v, want the defaults", got[ids[3]])
		}
	})
}
