package coverage

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"pasched/intel"
	"pasched/schedule"
)

// StatsArgs is the weekly statistics job, keyed by the local date it runs
// for: River inserts one per date however many instances try.
type StatsArgs struct {
	Date string `json:"date"`
}

// Kind names the job.
func (StatsArgs) Kind() string { return "pa_stats_all" }

// CheckArgs is the daily coverage check, keyed by its local date.
type CheckArgs struct {
	Date string `json:"date"`
}

// Kind names the job.
func (CheckArgs) Kind() string { return "coverage_check" }

// uniqueByDate makes a second insert with the same date a no-op, whatever
// the first's state (River's default unique states include completed).
var uniqueByDate = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}

type statsWorker struct {
	river.WorkerDefaults[StatsArgs]
	svc *Service
}

func (w *statsWorker) Work(ctx context.Context, job *river.Job[StatsArgs]) error {
	_, err := w.svc.RecalculateAll(ctx)
	return err
}

type checkWorker struct {
	river.WorkerDefaults[CheckArgs]
	svc *Service
}

func (w *checkWorker) Work(ctx context.Context, job *river.Job[CheckArgs]) error {
	d, err := schedule.ParseDate(job.Args.Date)
	if err != nil {
		return river.JobCancel(fmt.Errorf("coverage check: bad date %q: %w", job.Args.Date, err))
	}
	_, err = w.svc.CheckUpcoming(ctx, d)
	return err
}

// Register adds the workers to River (jobs.Opts.Register).
func (s *Service) Register(w *river.Workers) {
	river.AddWorker(w, &statsWorker{svc: s})
	river.AddWorker(w, &checkWorker{svc: s})
}

// Schedules are when the periodic jobs fire.
type Schedules struct {
	Stats, Check river.PeriodicSchedule
}

// DefaultSchedules are the seed's beat schedule in TIME_ZONE: statistics on
// Mondays at 02:00, the coverage check daily at 06:00.
func (s *Service) DefaultSchedules() Schedules {
	return Schedules{Stats: intel.Weekly(time.Monday, 2, 0, s.loc()), Check: intel.Daily(6, 0, s.loc())}
}

// PeriodicJobs are the jobs River's leader inserts on sched (jobs.Opts.Periodic):
// only the elected leader of the instances sharing a database enqueues
// periodic jobs, and each is unique by its local date, so a leader change
// around the firing time still runs it once.
func (s *Service) PeriodicJobs(sched Schedules) []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(sched.Stats, func() (river.JobArgs, *river.InsertOpts) {
			return StatsArgs{Date: s.LocalDate(s.now()).String()}, uniqueByDate
		}, &river.PeriodicJobOpts{ID: "pa_stats_weekly"}),
		river.NewPeriodicJob(sched.Check, func() (river.JobArgs, *river.InsertOpts) {
			return CheckArgs{Date: s.LocalDate(s.now()).String()}, uniqueByDate
		}, &river.PeriodicJobOpts{ID: "coverage_check_daily"}),
	}
}
