// Package coverage is the use cases of coverage intelligence (issue 12): PA
// pattern statistics (the seed's calculate_pa_patterns and its weekly job),
// the daily check of the coming critical windows with its digest email,
// ranked suggestions of who could cover each gap, and cover offers whose
// first taker gets an approved shift. The rules are package intel's; this
// package reads, writes and sends.
//
// Contracts:
//   - Statistics are recomputed from scratch from the PA's shift requests,
//     so running the job twice changes nothing but last_calculated.
//   - One digest per local date: the coverage_digests row and the email job
//     are written in one transaction, so a duplicated or retried check sends
//     nothing twice.
//   - Accepting an offer is one schedule change (scheduling.CreateCoverShift):
//     the approval rules, the shift, the claim of the offer (a conditional
//     update only one acceptance passes), coverage, weekly hours, emails and
//     events commit together or not at all.
//
// Errors are *pasched.Error; each method lists its codes.
package coverage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"pasched"
	"pasched/intel"
	"pasched/jobs"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// DefaultDays is the horizon of the coverage check (COVERAGE_CHECK_DAYS).
const DefaultDays = 14

// MaxDays bounds a horizon asked for.
const MaxDays = 90

// Service holds what the coverage use cases need.
type Service struct {
	DB         *sqlstore.DB
	Jobs       *jobs.Client
	Scheduling *scheduling.Service
	// Windows are CRITICAL_TIMES; Location is TIME_ZONE.
	Windows  []schedule.Window
	Location *time.Location
	// FrontendURL starts the links of offer emails.
	FrontendURL string
	// Days is the digest's horizon (COVERAGE_CHECK_DAYS); 0 is DefaultDays.
	Days int
	// Wording, when set, writes the digest's summary paragraph; on any
	// error the plain text is used.
	Wording Wording
	// Now is the clock; nil is time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

func (s *Service) windows() []schedule.Window {
	if len(s.Windows) == 0 {
		return schedule.DefaultWindows()
	}
	return s.Windows
}

func (s *Service) days() int {
	if s.Days <= 0 {
		return DefaultDays
	}
	return s.Days
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// today is the local date at now.
func (s *Service) today(now time.Time) schedule.Date { return schedule.DateOf(now.In(s.loc())) }

var errPermission = pasched.Errorf(pasched.EFORBIDDEN, "You do not have permission to perform this action.")

func requireAdmin(u *pasched.User) error {
	if u == nil || !u.IsAdmin() {
		return errPermission
	}
	return nil
}

// Stats returns a PA's stored statistics, to an admin or to the PA
// themself. Codes: EFORBIDDEN, ENOTFOUND.
func (s *Service) Stats(ctx context.Context, u *pasched.User, paID int64) (*pasched.PAStats, error) {
	if u == nil || (!u.IsAdmin() && u.ID != paID) {
		return nil, errPermission
	}
	st, err := sqlstore.FindPAStats(ctx, s.DB, paID)
	if err != nil {
		return nil, fmt.Errorf("stats of PA %d: %w", paID, err)
	}
	return st, nil
}

// AllStats returns every active PA's stored statistics (admins only).
// Codes: EFORBIDDEN.
func (s *Service) AllStats(ctx context.Context, u *pasched.User) ([]*pasched.PAStats, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	return sqlstore.FindAllPAStats(ctx, s.DB)
}

// RecalculateStats recomputes one PA's statistics now (admins only) and
// returns them. Codes: EFORBIDDEN, ENOTFOUND (not a PA).
func (s *Service) RecalculateStats(ctx context.Context, u *pasched.User, paID int64) (*pasched.PAStats, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	pa, err := sqlstore.FindUserByID(ctx, s.DB, paID)
	if err != nil || pa.Role != pasched.RolePA {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "Not found.")
	}
	return s.recalculate(ctx, paID)
}

func (s *Service) recalculate(ctx context.Context, paID int64) (*pasched.PAStats, error) {
	shifts, err := sqlstore.FindShiftsOfPA(ctx, s.DB, paID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	st := intel.ComputeStats(paID, shifts, now, s.loc())
	err = s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.SavePAStats(ctx, tx, &st) })
	if err != nil {
		return nil, fmt.Errorf("recalculate stats of PA %d: %w", paID, err)
	}
	return &st, nil
}

// RecalculateAll recomputes every active PA's statistics (the seed's
// calculate_all_pa_patterns), one transaction per PA; a PA that fails is
// logged and the others go on. It returns how many succeeded and the first
// error.
func (s *Service) RecalculateAll(ctx context.Context) (int, error) {
	pas, err := sqlstore.ListActiveUsers(ctx, s.DB, pasched.RolePA)
	if err != nil {
		return 0, err
	}
	ok := 0
	var first error
	for _, pa := range pas {
		if _, err := s.recalculate(ctx, pa.ID); err != nil {
			s.logger().Error("pattern statistics", "pa", pa.ID, "err", err)
			if first == nil {
				first = err
			}
			continue
		}
		ok++
	}
	s.logger().Info("pattern statistics calculated", "ok", ok, "of", len(pas))
	return ok, first
}
