package sqlstore

import (
	"context"
	"fmt"
)

// ScheduleVersion returns, in one query, the version of the data the
// schedule's read models are built from, and whether a user with id userID
// exists (false for 0: the calendars' ?pa_id= check rides along).
//
// The version is the schedule_version row (migration 0003), which triggers
// move in the transaction of every write to shifts, periods, or the names
// and emails of users, on both engines and from any process or instance.
// On PostgreSQL it is 64 rows, the sum of which is the version (migration
// 0070): a transaction bumps its backend's row, so that concurrent commits
// do not queue for one row lock.
// Nothing else moves it: River's job commits, sign-ins and tokens do not.
// Equal versions therefore mean that no such write committed in between;
// a result read after a version is current for as long as the version
// stays the same. (A result may be newer than its version, if a commit
// lands between the two reads; that only costs a reload.)
func ScheduleVersion(ctx context.Context, db *DB, userID int64) (version int64, userExists bool, err error) {
	var users int64
	err = db.QueryRowContext(ctx, `SELECT CAST(SUM(version) AS BIGINT), (SELECT COUNT(*) FROM users WHERE id = $1)
		FROM schedule_version`, userID).Scan(&version, &users)
	if err != nil {
		return 0, false, fmt.Errorf("schedule version: %w", err)
	}
	return version, users > 0, nil
}
