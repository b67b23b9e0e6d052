// Package demo fills an empty deployment with a believable household to
// try pasched with: an admin, six PAs with different weekly limits and
// preferences, three months of periods whose shifts were requested by the
// PAs and approved, rejected or withdrawn through the same use cases the
// API and the web app call (so the rules, coverage and weekly hours are
// right), with overnight shifts, a few uncovered critical times and one
// approved overtime. The same seed and start month give the same data.
//
// Emails the use cases enqueue for the demo (new request, approved,
// rejected, finalised) are discarded before Fill returns: nobody is told of
// events that never happened, and the demo addresses are example.com ones.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"pasched"
	"pasched/accounts"
	"pasched/jobs"
	"pasched/password"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// ErrNotEmpty is Fill's answer when the database already holds users,
// periods or shifts.
var ErrNotEmpty = errors.New("the database is not empty: pasched demo fills only an empty one")

// Passwords of the demo accounts (printed by `pasched demo`).
const (
	AdminEmail    = "admin@example.com"
	AdminPassword = "Demo-Admin-2030!"
	PAPassword    = "Demo-PA-2030!"
)

// Deps are the services the demo goes through.
type Deps struct {
	Accounts   *accounts.Service
	Scheduling *scheduling.Service
	Jobs       *jobs.Client
}

// Opts choose the demo.
type Opts struct {
	// Seed drives every choice; the same seed (and Start) gives the same
	// household.
	Seed int64
	// Start is the first day of the first of the three months; zero means
	// the month before today's (so the demo has a past, a present and a
	// future).
	Start schedule.Date
	// Today splits decided from undecided requests; zero means now.
	Today schedule.Date
}

// Person is a demo account.
type Person struct {
	ID              int64
	Name, Email     string
	MaxHoursPerWeek int
	PreferredSlots  []string
	PreferredDays   []string
}

// Result says what Fill made.
type Result struct {
	Admin   Person
	PAs     []Person
	Periods []*pasched.Period
	// Shifts counts the shifts by status.
	Shifts map[string]int
	// Overnight counts the approved shifts that end the next day.
	Overnight int
	// Gaps are the dates with a critical time nobody covers.
	Gaps []schedule.Date
	// Overtime describes the one approval past a PA's weekly limit.
	Overtime string
	// EmailsDiscarded counts the email jobs dropped at the end.
	EmailsDiscarded int
}

// slot is a kind of shift of the household's day.
type slot struct {
	name       string
	start, end schedule.TimeOfDay
	hundredths int64
}

var (
	morning = slot{"morning", clock(6, 0), clock(14, 0), 800}
	late    = slot{"late", clock(14, 0), clock(22, 0), 800}
	night   = slot{"night", clock(21, 0), clock(9, 0), 1200} // overnight: covers the evening and the next morning
)

func clock(h, m int) schedule.TimeOfDay {
	t, err := schedule.NewTime(h, m, 0, 0)
	if err != nil {
		panic(err)
	}
	return t
}

// pas are the household's PAs: who they are and what suits them.
var pas = []struct {
	first, last string
	limit       int
	slots       []string
	days        []string
	start, end  string
	notes       string
}{
	{"Bea", "Baker", 40, []string{"morning"}, []string{"monday", "tuesday", "wednesday", "thursday", "friday"}, "06:00", "14:00", "Lead PA; knows the hoist and the morning routine."},
	{"Cal", "Cole", 20, []string{"morning"}, []string{"monday", "tuesday", "wednesday"}, "06:00", "14:00", "Student: term-time hours only."},
	{"Dee", "Dunn", 30, []string{"late"}, []string{"monday", "tuesday", "wednesday", "thursday", "sunday"}, "14:00", "22:00", ""},
	{"Eli", "Evans", 48, []string{"night", "late"}, []string{"friday", "saturday"}, "21:00", "09:00", "Sleep-in nights preferred."},
	{"Fay", "Fox", 16, []string{"morning", "late"}, []string{"saturday", "sunday"}, "", "", "Weekends only."},
	{"Gus", "Grant", 40, []string{"late", "morning"}, nil, "", "", "Flexible; covers gaps at short notice."},
}

// Fill makes the demo household in an empty database.
func Fill(ctx context.Context, d Deps, o Opts) (*Result, error) {
	db := d.Scheduling.DB
	empty, err := sqlstore.ScheduleEmpty(ctx, db)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, ErrNotEmpty
	}
	now := time.Now().In(d.Scheduling.Location)
	if o.Today == (schedule.Date{}) {
		o.Today = schedule.DateOf(now)
	}
	if o.Start == (schedule.Date{}) {
		y, m, _ := now.AddDate(0, -1, 0).Date()
		o.Start = schedule.MustDate(y, m, 1)
	}
	f := &filler{d: d, o: o, r: rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed_da7a)), res: &Result{Shifts: map[string]int{}},
		hours: map[int64]map[schedule.Date]int64{}}
	if err := f.people(ctx); err != nil {
		return nil, err
	}
	if err := f.periods(ctx); err != nil {
		return nil, err
	}
	if err := f.rota(ctx); err != nil {
		return nil, err
	}
	if _, err := d.Scheduling.FinalizePeriod(ctx, f.admin, f.res.Periods[0].ID); err != nil {
		return nil, fmt.Errorf("demo: finalise %s: %w", f.res.Periods[0].Name, err)
	}
	f.res.Periods[0].Status = pasched.PeriodFinalized
	n, err := discardEmails(ctx, d.Jobs)
	if err != nil {
		return nil, err
	}
	f.res.EmailsDiscarded = n
	return f.res, nil
}

type filler struct {
	d     Deps
	o     Opts
	r     *rand.Rand
	res   *Result
	admin *pasched.User
	users []*pasched.User // the PAs, in pas order
	// hours are each PA's approved hundredths by week (Monday).
	hours map[int64]map[schedule.Date]int64
}

func (f *filler) people(ctx context.Context) error {
	admin, _, err := f.d.Accounts.CreateAdmin(ctx, pasched.NewUser{Email: AdminEmail, Username: "admin",
		FirstName: "Alex", LastName: "Morgan", PhoneNumber: "555-0100"}, AdminPassword)
	if err != nil {
		return fmt.Errorf("demo: admin: %w", err)
	}
	f.admin = admin
	f.res.Admin = Person{ID: admin.ID, Name: "Alex Morgan", Email: AdminEmail}
	// One hash for every PA: the demo's accounts share a password.
	hash, err := password.Hash(PAPassword)
	if err != nil {
		return err
	}
	for i, p := range pas {
		var u *pasched.User
		err := f.d.Scheduling.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			var err error
			u, err = sqlstore.CreateUser(ctx, tx, pasched.NewUser{
				Email: fmt.Sprintf("%s@example.com", toLower(p.first)), Username: toLower(p.first),
				FirstName: p.first, LastName: p.last, PhoneNumber: fmt.Sprintf("555-01%02d", i+1),
				Role: pasched.RolePA, PasswordHash: hash, IsEmailVerified: true})
			return err
		})
		if err != nil {
			return fmt.Errorf("demo: PA %s: %w", p.first, err)
		}
		if _, err := f.d.Scheduling.UpdatePAProfile(ctx, admin, u.ID, scheduling.PAProfileInput{
			PreferredDays: p.days, PreferredStart: p.start, PreferredEnd: p.end,
			MaxHoursPerWeek: p.limit, Notes: p.notes}); err != nil {
			return fmt.Errorf("demo: profile of %s: %w", p.first, err)
		}
		f.users = append(f.users, u)
		f.res.PAs = append(f.res.PAs, Person{ID: u.ID, Name: p.first + " " + p.last, Email: u.Email,
			MaxHoursPerWeek: p.limit, PreferredSlots: p.slots, PreferredDays: p.days})
	}
	return nil
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// months returns the first day of each of the three months.
func (f *filler) months() [3]schedule.Date {
	var out [3]schedule.Date
	t := f.o.Start.Midnight()
	for i := range out {
		y, m, _ := t.AddDate(0, i, 0).Date()
		out[i] = schedule.MustDate(y, m, 1)
	}
	return out
}

func (f *filler) periods(ctx context.Context) error {
	for _, first := range f.months() {
		t := first.Midnight()
		last := schedule.DateOf(t.AddDate(0, 1, -1))
		name := t.Format("January 2006")
		start, end := first, last
		p, err := f.d.Scheduling.CreatePeriod(ctx, f.admin, scheduling.PeriodInput{Name: &name, StartDate: &start, EndDate: &end})
		if err != nil {
			return fmt.Errorf("demo: period %s: %w", name, err)
		}
		f.res.Periods = append(f.res.Periods, p)
	}
	return nil
}

// rota requests, and decides, every shift of the three months.
func (f *filler) rota(ctx context.Context) error {
	months := f.months()
	// The uncovered critical times: one date of each month (Monday to
	// Thursday, so no Friday night reaches it), morning or late.
	gaps := map[schedule.Date]string{}
	for _, first := range months {
		for {
			d := first.AddDays(2 + f.r.IntN(24))
			if wd := d.Midnight().Weekday(); wd >= time.Monday && wd <= time.Thursday {
				gaps[d] = []string{"morning", "late"}[f.r.IntN(2)]
				break
			}
		}
	}
	// The overtime: Cal (20 hours a week) takes two mornings and then a
	// late shift in the second week of the middle month, approved with
	// the override.
	otMonday := months[1]
	for otMonday.Midnight().Weekday() != time.Monday {
		otMonday = otMonday.AddDays(1)
	}
	otMonday = otMonday.AddDays(7)
	forced := map[schedule.Date]map[string]int{
		otMonday:            {"morning": 1},
		otMonday.AddDays(1): {"morning": 1},
		otMonday.AddDays(2): {"late": 1},
	}
	for pi, first := range months {
		period := f.res.Periods[pi]
		for d := first; !d.After(period.EndDate); d = d.AddDays(1) {
			wd := d.Midnight().Weekday()
			var slots []slot
			switch wd {
			case time.Friday:
				slots = []slot{morning, night}
			case time.Saturday:
				slots = []slot{late} // Friday's night covers the morning
			default:
				slots = []slot{morning, late}
			}
			for _, s := range slots {
				if gaps[d] == s.name {
					continue
				}
				who, override := -1, false
				if i, ok := forced[d][s.name]; ok {
					who, override = i, true
				} else {
					who = f.pick(s, d)
				}
				if who < 0 {
					gaps[d] = s.name // nobody has the hours left: uncovered
					continue
				}
				if err := f.shift(ctx, period, d, s, who, pi, override && s.name == "late"); err != nil {
					return err
				}
			}
		}
	}
	for d := range gaps {
		f.res.Gaps = append(f.res.Gaps, d)
	}
	slices.SortFunc(f.res.Gaps, func(a, b schedule.Date) int { return a.Compare(b) })
	return nil
}

// pick chooses the PA for slot s on d: one who likes the slot and the day
// and has the hours left that week, else anyone with the hours, the one
// with the fewest hours that week first; ties are broken by the seed.
func (f *filler) pick(s slot, d schedule.Date) int {
	week := schedule.WeekStart(d)
	day := toLower(d.Midnight().Weekday().String())
	order := f.r.Perm(len(pas))
	best, bestScore := -1, int64(1<<62)
	for _, i := range order {
		p := pas[i]
		if i == 1 && week == f.otWeek() {
			continue // Cal's overtime week is set apart
		}
		used := f.hours[f.users[i].ID][week]
		if used+s.hundredths > int64(p.limit)*100 {
			continue
		}
		score := used
		if !slices.Contains(p.slots, s.name) {
			score += 10000
		}
		if len(p.days) > 0 && !slices.Contains(p.days, day) {
			score += 5000
		}
		if score < bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

func (f *filler) otWeek() schedule.Date {
	m := f.months()[1]
	for m.Midnight().Weekday() != time.Monday {
		m = m.AddDays(1)
	}
	return m.AddDays(7)
}

// shift has PA who request slot s on d and the admin decide it: in the
// past month everything is decided; in the current month what is before
// today; in the next month a quarter. Now and then a second PA asks for the
// same slot first and is turned down or withdraws.
func (f *filler) shift(ctx context.Context, p *pasched.Period, d schedule.Date, s slot, who, month int, override bool) error {
	decided := month == 0 || (month == 1 && d.Before(f.o.Today)) || (month == 2 && f.r.IntN(4) == 0) ||
		(month == 1 && f.r.IntN(5) < 3)
	if override {
		decided = true
	}
	var (
		rival    *pasched.Shift
		rivalIdx int
	)
	if decided && !override && f.r.IntN(12) == 0 {
		rivalIdx = (who + 1 + f.r.IntN(len(pas)-1)) % len(pas)
		sh, err := f.request(ctx, p, d, s, rivalIdx, "Happy to take this one too.")
		if err == nil {
			rival = sh
		} else if pasched.ErrorCode(err) != pasched.EINVALID {
			return err
		}
	}
	sh, err := f.request(ctx, p, d, s, who, "")
	if err != nil {
		if pasched.ErrorCode(err) == pasched.EINVALID {
			return nil // the PA's own shifts clash: no request
		}
		return err
	}
	if rival != nil {
		if f.r.IntN(2) == 0 {
			if _, err := f.d.Scheduling.RejectShift(ctx, f.admin, rival.ID, "Slot already filled, thank you."); err != nil {
				return fmt.Errorf("demo: reject %d: %w", rival.ID, err)
			}
			f.res.Shifts[pasched.ShiftRejected]++
		} else {
			if _, err := f.d.Scheduling.DeleteShift(ctx, f.users[rivalIdx], rival.ID); err != nil {
				return fmt.Errorf("demo: withdraw %d: %w", rival.ID, err)
			}
			f.res.Shifts[pasched.ShiftCancelled]++
		}
	}
	if !decided {
		f.res.Shifts[pasched.ShiftPending]++
		return nil
	}
	in := scheduling.ApproveInput{OverrideOvertime: override}
	if override {
		note := "Agreed extra hours this week."
		in.AdminNotes = &note
	}
	if _, err := f.d.Scheduling.ApproveShift(ctx, f.admin, sh.ID, in); err != nil {
		if pasched.ErrorCode(err) == pasched.EINVALID || pasched.ErrorCode(err) == pasched.ECONFLICT {
			// A clash or the weekly limit: the admin says no.
			if _, err := f.d.Scheduling.RejectShift(ctx, f.admin, sh.ID, "Cannot approve: "+firstMessage(err)); err != nil {
				return fmt.Errorf("demo: reject %d: %w", sh.ID, err)
			}
			f.res.Shifts[pasched.ShiftRejected]++
			return nil
		}
		return fmt.Errorf("demo: approve %d: %w", sh.ID, err)
	}
	f.res.Shifts[pasched.ShiftApproved]++
	if s.end.Compare(s.start) <= 0 {
		f.res.Overnight++
	}
	uid := f.users[who].ID
	if f.hours[uid] == nil {
		f.hours[uid] = map[schedule.Date]int64{}
	}
	f.hours[uid][schedule.WeekStart(d)] += s.hundredths
	if override {
		f.res.Overtime = fmt.Sprintf("%s %s: %s shift on %s takes them to %s hours in the week of %s (limit %d), approved with override_overtime",
			pas[who].first, pas[who].last, s.name, d, schedule.FormatHours(f.hours[uid][schedule.WeekStart(d)]), schedule.WeekStart(d), pas[who].limit)
	}
	return nil
}

func (f *filler) request(ctx context.Context, p *pasched.Period, d schedule.Date, s slot, who int, notes string) (*pasched.Shift, error) {
	pid, date, start, end := p.ID, d, s.start, s.end
	return f.d.Scheduling.CreateShift(ctx, f.users[who], scheduling.ShiftInput{PeriodID: &pid, Date: &date,
		Start: &start, End: &end, Notes: &notes})
}

func firstMessage(err error) string {
	var e *pasched.Error
	if errors.As(err, &e) {
		for _, msgs := range e.Fields {
			if len(msgs) > 0 {
				return msgs[0]
			}
		}
		if e.Message != "" {
			return e.Message
		}
	}
	return "a rule refused it"
}

// discardEmails drops the email jobs the demo's use cases queued (River
// deletes them a page at a time).
func discardEmails(ctx context.Context, c *jobs.Client) (int, error) {
	params := river.NewJobDeleteManyParams().Kinds(jobs.EmailArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStatePending)
	total := 0
	for {
		res, err := c.JobDeleteMany(ctx, params)
		if err != nil {
			return total, fmt.Errorf("demo: discard emails: %w", err)
		}
		if len(res.Jobs) == 0 {
			return total, nil
		}
		total += len(res.Jobs)
	}
}
