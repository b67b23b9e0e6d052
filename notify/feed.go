package notify

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"

	"pasched"
	"pasched/ical"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/token"
)

// How far feeds reach.
const (
	// FeedPastDays of past shifts stay in a shift feed.
	FeedPastDays = 60
	// CancelledKeep is how long a withdrawn or deleted shift stays in a
	// feed marked cancelled, so subscribed calendars drop it.
	CancelledKeep = 30 * 24 * time.Hour
	// DefaultGapDays ahead are searched for uncovered critical windows.
	DefaultGapDays = 90
	// FeedRefresh is the polling interval suggested to calendars.
	FeedRefresh = time.Hour
)

// Which feed of a user.
const (
	FeedShifts = "shifts"
	FeedGaps   = "gaps"
)

// FeedDoc is a rendered feed with what its caching headers need.
type FeedDoc struct {
	Body []byte
	// ETag is a strong validator: a hash of Body.
	ETag string
	// LastModified is the latest change the feed shows, to the second.
	LastModified time.Time
}

var errNoFeed = pasched.Errorf(pasched.ENOTFOUND, "Not found.")

// Feed renders the feed behind a secret: which is FeedShifts or FeedGaps
// (admins only); pending, when set, overrides the user's choice of
// showing pending requests. A secret that is unknown, rotated away, or of
// an inactive user is ENOTFOUND, as is a PA's gaps feed.
func (s *Service) Feed(ctx context.Context, secret, which string, pending *bool) (*FeedDoc, error) {
	u, err := s.feedUser(ctx, secret)
	if err != nil {
		return nil, err
	}
	switch which {
	case FeedShifts:
		st, err := sqlstore.FindNotificationSettings(ctx, s.DB, u.ID)
		if err != nil {
			return nil, err
		}
		incl := st.FeedIncludePending
		if pending != nil {
			incl = *pending
		}
		return s.shiftFeed(ctx, u, incl && !u.IsAdmin())
	case FeedGaps:
		if !u.IsAdmin() {
			return nil, errNoFeed
		}
		return s.gapFeed(ctx)
	}
	return nil, errNoFeed
}

// feedUser finds the active user whose current feed secret is secret.
func (s *Service) feedUser(ctx context.Context, secret string) (*pasched.User, error) {
	if secret == "" || len(secret) > 100 {
		return nil, errNoFeed
	}
	t, err := sqlstore.FindFeedTokenByHash(ctx, s.DB, token.FeedHash(secret))
	if err != nil {
		if pasched.ErrorCode(err) == pasched.ENOTFOUND {
			return nil, errNoFeed
		}
		return nil, err
	}
	// The key must still make this secret (a SECRET_KEY change ends feeds).
	if s.Signer.Feed(t.UserID, t.Salt) != secret {
		return nil, errNoFeed
	}
	u, err := sqlstore.FindUserByID(ctx, s.DB, t.UserID)
	if err != nil {
		if pasched.ErrorCode(err) == pasched.ENOTFOUND {
			return nil, errNoFeed
		}
		return nil, err
	}
	if !u.IsActive {
		return nil, errNoFeed
	}
	return u, nil
}

// host names the deployment in UIDs, so they are unique across
// deployments (RFC 5545 §3.8.4.7).
func (s *Service) host() string {
	if p, err := url.Parse(s.BaseURL); err == nil && p.Hostname() != "" {
		return p.Hostname()
	}
	return "pasched"
}

// ShiftUID is the stable UID of a shift's event.
func ShiftUID(id int64, host string) string { return fmt.Sprintf("shift-%d@%s", id, host) }

// today is the date of now in TIME_ZONE and its midnight.
func (s *Service) today() (schedule.Date, time.Time) {
	l := s.now().In(s.loc())
	return schedule.DateOf(l), time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.loc())
}

func (s *Service) shiftFeed(ctx context.Context, u *pasched.User, pending bool) (*FeedDoc, error) {
	today, midnight := s.today()
	q := sqlstore.FeedQuery{From: today.AddDays(-FeedPastDays), Pending: pending, Since: s.now().Add(-CancelledKeep)}
	name := "My shifts"
	if !u.IsAdmin() {
		q.PA = u.ID
	} else {
		name = "All approved shifts"
	}
	shifts, err := sqlstore.FindFeedShifts(ctx, s.DB, q)
	if err != nil {
		return nil, err
	}
	cal := &ical.Calendar{ProdID: "-//pasched//PA Scheduling//EN", Name: name + " – PA Scheduling", Location: s.loc(),
		RefreshInterval: FeedRefresh}
	last := midnight
	host := s.host()
	for _, sh := range shifts {
		// schedule's intervals are wall-clock times (in UTC clothing), which
		// is what ical reads: an overnight shift ends on the next date.
		iv := schedule.Shift{Date: sh.Date, Start: sh.Start, End: sh.End}.Interval()
		ev := ical.Event{UID: ShiftUID(sh.ID, host), Sequence: sh.Revision, Start: iv.Start, End: iv.End,
			Stamp: sh.UpdatedAt}
		var status, title string
		switch {
		case sh.Deleted || sh.Status == pasched.ShiftRejected || sh.Status == pasched.ShiftCancelled:
			ev.Status, status = ical.StatusCancelled, "cancelled"
		case sh.Status == pasched.ShiftPending:
			ev.Status, status = ical.StatusTentative, "requested, waiting for approval"
		default:
			ev.Status, status = ical.StatusConfirmed, "approved"
		}
		if u.IsAdmin() {
			title = sh.PAName
			if title == "" {
				title = "PA shift"
			}
		} else {
			title = "Shift"
			if ev.Status == ical.StatusTentative {
				title = "Shift request (pending)"
			}
		}
		if ev.Status == ical.StatusCancelled {
			title += " (cancelled)"
		}
		ev.Summary = title
		var desc []string
		if sh.PeriodName != "" {
			desc = append(desc, "Schedule period: "+sh.PeriodName)
		}
		desc = append(desc, "Status: "+status)
		if sh.Notes != "" && !sh.Deleted {
			desc = append(desc, "Notes: "+sh.Notes)
		}
		ev.Description = strings.Join(desc, "\n")
		cal.Events = append(cal.Events, ev)
		if sh.UpdatedAt.After(last) {
			last = sh.UpdatedAt
		}
	}
	return doc(cal, last), nil
}

// gapFeed lists the critical windows of the coming GapDays, on the dates
// of schedule periods, that approved shifts do not cover.
func (s *Service) gapFeed(ctx context.Context) (*FeedDoc, error) {
	today, midnight := s.today()
	days := s.GapDays
	if days <= 0 {
		days = DefaultGapDays
	}
	to := today.AddDays(days)
	periods, err := sqlstore.FindPeriodSpans(ctx, s.DB, today, to)
	if err != nil {
		return nil, err
	}
	approved, last, err := sqlstore.ApprovedBetween(ctx, s.DB, today.AddDays(-1), to.AddDays(1))
	if err != nil {
		return nil, err
	}
	if midnight.After(last) {
		last = midnight
	}
	for _, p := range periods {
		if p.UpdatedAt.After(last) {
			last = p.UpdatedAt
		}
	}
	byDate := map[schedule.Date][]schedule.Shift{}
	for _, sh := range approved {
		byDate[sh.Date] = append(byDate[sh.Date], sh)
	}
	cal := &ical.Calendar{ProdID: "-//pasched//PA Scheduling//EN", Name: "Uncovered critical times – PA Scheduling",
		Location: s.loc(), RefreshInterval: FeedRefresh}
	host := s.host()
	seen := map[schedule.Date]bool{}
	for _, p := range periods {
		from := p.From
		if from.Before(today) {
			from = today
		}
		for d := from; !d.After(p.To) && !d.After(to); d = d.AddDays(1) {
			if seen[d] {
				continue
			}
			seen[d] = true
			prev, next := schedule.NeighbourDates(d)
			near := append(append(append([]schedule.Shift(nil), byDate[prev]...), byDate[d]...), byDate[next]...)
			for _, wc := range schedule.CoverDate(d, s.Windows, near) {
				if wc.Covered {
					continue
				}
				iv := wc.Window.On(d)
				span := wc.Window.String()
				cal.Events = append(cal.Events, ical.Event{
					UID:     fmt.Sprintf("gap-%s-%s@%s", d, strings.ReplaceAll(span, ":", ""), host),
					Status:  ical.StatusConfirmed,
					Start:   iv.Start,
					End:     iv.End,
					Stamp:   last,
					Summary: "Not covered: " + strings.Replace(span, "-", "–", 1),
					Description: "No approved shift covers the critical time " + strings.Replace(span, "-", "–", 1) +
						" on " + d.Midnight().Format("Monday 2 January 2006") + ".",
				})
			}
		}
	}
	return doc(cal, last), nil
}

func doc(cal *ical.Calendar, last time.Time) *FeedDoc {
	body := cal.Write()
	sum := sha256.Sum256(body)
	return &FeedDoc{Body: body, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`,
		LastModified: last.UTC().Truncate(time.Second)}
}
