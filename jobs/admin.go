package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"pasched"
	"pasched/sqlstore"
)

// Admin is the console's view of the background jobs (emails and periodic
// jobs) over River's job API, which works on both engines (River's own UI
// needs PostgreSQL). Every method is for admins only.
type Admin struct {
	Client *Client
	DB     *sqlstore.DB
}

// JobStates are the states the console lists, in the order it shows them,
// with words for people.
var JobStates = []struct {
	State rivertype.JobState
	Label string
}{
	{rivertype.JobStateRunning, "Running"},
	{rivertype.JobStateAvailable, "Waiting to run"},
	{rivertype.JobStateScheduled, "Scheduled"},
	{rivertype.JobStateRetryable, "Failed, will retry"},
	{rivertype.JobStateDiscarded, "Failed, gave up"},
	{rivertype.JobStateCancelled, "Cancelled"},
	{rivertype.JobStateCompleted, "Done"},
	{rivertype.JobStatePending, "Pending"},
}

// ValidJobState reports whether s names one of JobStates.
func ValidJobState(s string) bool {
	for _, st := range JobStates {
		if string(st.State) == s {
			return true
		}
	}
	return false
}

// JobSummary is a job as the console lists it.
type JobSummary struct {
	ID          int64
	Kind        string
	State       string
	Attempt     int
	MaxAttempts int
	CreatedAt   time.Time
	ScheduledAt time.Time
	FinalizedAt *time.Time
	// About says what the job is for: an email's subject and recipients.
	About string
	// LastError is the newest attempt's error, if any.
	LastError string
}

func requireAdmin(u *pasched.User) error {
	if u == nil || !u.IsAdmin() {
		return pasched.Errorf(pasched.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	return nil
}

// CountByState returns how many jobs are in each state.
func (a *Admin) CountByState(ctx context.Context, u *pasched.User) (map[string]int, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	rows, err := a.DB.QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// List returns up to limit jobs in state, newest first. Codes: EFORBIDDEN,
// EINVALID (unknown state).
func (a *Admin) List(ctx context.Context, u *pasched.User, state string, limit int) ([]JobSummary, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	if !ValidJobState(state) {
		return nil, pasched.Invalid("state", "Choose a job state.")
	}
	res, err := a.Client.JobList(ctx, river.NewJobListParams().States(rivertype.JobState(state)).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	out := make([]JobSummary, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		s := JobSummary{ID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
			CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt, FinalizedAt: j.FinalizedAt, About: about(j)}
		if n := len(j.Errors); n > 0 {
			s.LastError = j.Errors[n-1].Error
		}
		out = append(out, s)
	}
	return out, nil
}

// about words what a job is for.
func about(j *rivertype.JobRow) string {
	if j.Kind != (EmailArgs{}).Kind() {
		return ""
	}
	var e EmailArgs
	if err := json.Unmarshal(j.EncodedArgs, &e); err != nil {
		return ""
	}
	return fmt.Sprintf("%s — to %s", e.Subject, strings.Join(e.To, ", "))
}

// Retry runs a job again as soon as possible (a failed, cancelled or
// finished one too). Codes: EFORBIDDEN, ENOTFOUND.
func (a *Admin) Retry(ctx context.Context, u *pasched.User, id int64) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	if _, err := a.Client.JobRetry(ctx, id); err != nil {
		return jobError("retry", id, err)
	}
	return nil
}

// Cancel stops a job that has not finished; one already finished stays as
// it is. Codes: EFORBIDDEN, ENOTFOUND.
func (a *Admin) Cancel(ctx context.Context, u *pasched.User, id int64) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	if _, err := a.Client.JobCancel(ctx, id); err != nil {
		return jobError("cancel", id, err)
	}
	return nil
}

func jobError(verb string, id int64, err error) error {
	if errors.Is(err, river.ErrNotFound) {
		return pasched.Errorf(pasched.ENOTFOUND, "No job %d.", id)
	}
	return fmt.Errorf("%s job %d: %w", verb, id, err)
}
