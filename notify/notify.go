// Package notify is the use cases of each person's say over what reaches
// them (issue 14): notification settings (which kinds of email, quiet
// hours, the reminder lead time), private iCalendar feeds of shifts (and,
// for admins, of uncovered critical windows) behind rotatable secret URLs,
// and the one-click unsubscribe of emails.
//
// Settings are applied when an email is sent (jobs.Policy) and when a
// reminder runs (jobs.ReminderWorker); this package stores them and
// reschedules a PA's reminders in the transaction that changes the lead
// time.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/jobs"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/token"
)

// Service holds what the notification use cases need.
type Service struct {
	DB   *sqlstore.DB
	Jobs *jobs.Client
	// Signer keys feed URLs and unsubscribe links (SECRET_KEY).
	Signer *token.Signer
	// Location is TIME_ZONE: quiet hours, feeds' times and reminders.
	Location *time.Location
	// Windows are the critical times (CRITICAL_TIMES), for the
	// uncovered-windows feed.
	Windows []schedule.Window
	// BaseURL is where this server is reached (PUBLIC_URL): feed URLs
	// start with it.
	BaseURL string
	// GapDays is how many days ahead the uncovered-windows feed looks
	// (DefaultGapDays when 0).
	GapDays int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
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

// Settings returns u's notification settings.
func (s *Service) Settings(ctx context.Context, u *pasched.User) (*pasched.NotificationSettings, error) {
	return sqlstore.FindNotificationSettings(ctx, s.DB, u.ID)
}

// SettingsUpdate is a change of settings; nil fields stay as they are.
type SettingsUpdate struct {
	// Email switches kinds on (true) or off (false).
	Email map[string]bool
	// Quiet sets the quiet hours when QuietSet; nil with QuietSet clears them.
	Quiet    *pasched.QuietHours
	QuietSet bool
	// ReminderLeadHours is one of pasched.ReminderLeads.
	ReminderLeadHours  *int
	FeedIncludePending *bool
}

// UpdateSettings applies up to u's settings. A new reminder lead time
// schedules the reminders of the PA's upcoming approved shifts for it in
// the same transaction (the jobs of the old lead time then do nothing).
// Codes: EINVALID.
func (s *Service) UpdateSettings(ctx context.Context, u *pasched.User, up SettingsUpdate) (*pasched.NotificationSettings, error) {
	var out *pasched.NotificationSettings
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		st, err := sqlstore.FindNotificationSettings(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		oldLead := st.ReminderLeadHours
		var fe pasched.FieldErrors
		for k, on := range up.Email {
			if !pasched.ValidNotifyKind(k) {
				fe.Add("email", fmt.Sprintf("%q is not a kind of notification.", k))
				continue
			}
			st.SetKind(k, on)
		}
		if up.QuietSet {
			st.Quiet = up.Quiet
		}
		if up.ReminderLeadHours != nil {
			st.ReminderLeadHours = *up.ReminderLeadHours
		}
		if up.FeedIncludePending != nil {
			st.FeedIncludePending = *up.FeedIncludePending
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := st.Validate(); err != nil {
			return err
		}
		if err := sqlstore.SaveNotificationSettings(ctx, tx, st); err != nil {
			return err
		}
		if st.ReminderLeadHours != oldLead && st.ReminderLeadHours > 0 && u.Role == pasched.RolePA {
			if err := s.rescheduleReminders(ctx, tx, u, st.ReminderLeadHours); err != nil {
				return err
			}
		}
		out = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update notification settings: %w", err)
	}
	return out, nil
}

// rescheduleReminders queues the reminders of u's approved shifts that have
// not started, for a lead of lead hours.
func (s *Service) rescheduleReminders(ctx context.Context, tx *sqlstore.Tx, u *pasched.User, lead int) error {
	now := s.now()
	// A shift starts on its own date: only today's and later can be ahead.
	shifts, err := sqlstore.FutureApprovedShifts(ctx, tx, u.ID, schedule.DateOf(now.In(s.loc())))
	if err != nil {
		return err
	}
	var params []river.InsertManyParams
	for _, sh := range shifts {
		if job, ok := jobs.ReminderJob(sh, lead, s.loc(), now); ok {
			params = append(params, job)
		}
	}
	if len(params) == 0 || s.Jobs == nil {
		return nil
	}
	if _, err := s.Jobs.InsertManyFastTx(ctx, tx.SQL(), params); err != nil {
		return fmt.Errorf("reschedule %d reminders: %w", len(params), err)
	}
	return nil
}

// Unsubscribe switches off the kind of email a one-click link names, for
// the user it names, and returns that kind. It needs no sign-in: the
// signed token is the authority, and it can do nothing else. Codes:
// ENOTFOUND (a token not ours, an unknown kind or user).
func (s *Service) Unsubscribe(ctx context.Context, tok string) (pasched.NotifyKind, error) {
	kind, userID, err := s.CheckUnsubscribe(ctx, tok)
	if err != nil {
		return kind, err
	}
	err = s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		st, err := sqlstore.FindNotificationSettings(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !st.Wants(kind.Name) {
			return nil // already off: the link may be followed twice
		}
		st.SetKind(kind.Name, false)
		return sqlstore.SaveNotificationSettings(ctx, tx, st)
	})
	if err != nil {
		return kind, fmt.Errorf("unsubscribe: %w", err)
	}
	return kind, nil
}

var errNoLink = pasched.Errorf(pasched.ENOTFOUND, "This unsubscribe link is not valid.")

// CheckUnsubscribe checks a one-click token without using it and returns
// its kind and user. Codes: ENOTFOUND.
func (s *Service) CheckUnsubscribe(ctx context.Context, tok string) (pasched.NotifyKind, int64, error) {
	userID, name, ok := s.Signer.ParseUnsubscribe(tok)
	if !ok {
		return pasched.NotifyKind{}, 0, errNoLink
	}
	var kind pasched.NotifyKind
	for _, k := range pasched.NotifyKinds {
		if k.Name == name {
			kind = k
		}
	}
	if kind.Name == "" {
		return kind, 0, errNoLink
	}
	if _, err := sqlstore.FindUserByID(ctx, s.DB, userID); err != nil {
		if pasched.ErrorCode(err) == pasched.ENOTFOUND {
			return kind, 0, errNoLink
		}
		return kind, 0, err
	}
	return kind, userID, nil
}

// Feeds are the URLs of a user's calendar feeds.
type Feeds struct {
	// Shifts is the user's shifts (a PA's own; an admin's: everyone's).
	Shifts string
	// Gaps is the uncovered critical windows ("" for a PA).
	Gaps string
}

// FeedURLs returns u's feed URLs, creating their secret on first use.
func (s *Service) FeedURLs(ctx context.Context, u *pasched.User) (Feeds, error) {
	t, err := sqlstore.FindFeedToken(ctx, s.DB, u.ID)
	if err == nil {
		secret := s.Signer.Feed(u.ID, t.Salt)
		if token.FeedHash(secret) == t.Hash {
			return s.feeds(u, secret), nil
		}
		// SECRET_KEY changed since: the stored hash names a URL nobody can
		// show any more. Store the one shown from now on.
	} else if pasched.ErrorCode(err) != pasched.ENOTFOUND {
		return Feeds{}, err
	}
	return s.newFeed(ctx, u, t)
}

// RotateFeed gives u new feed URLs; the old ones answer 404 from the
// moment it returns.
func (s *Service) RotateFeed(ctx context.Context, u *pasched.User) (Feeds, error) {
	return s.newFeed(ctx, u, nil)
}

// newFeed stores a fresh salt for u (keeping old's when it still names
// the URL shown, which only a SECRET_KEY change makes it not).
func (s *Service) newFeed(ctx context.Context, u *pasched.User, old *sqlstore.FeedToken) (Feeds, error) {
	salt := ""
	if old != nil {
		salt = old.Salt
	} else {
		b := make([]byte, 18)
		rand.Read(b)
		salt = base64.RawURLEncoding.EncodeToString(b)
	}
	secret := s.Signer.Feed(u.ID, salt)
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		return sqlstore.SaveFeedToken(ctx, tx, &sqlstore.FeedToken{UserID: u.ID, Salt: salt, Hash: token.FeedHash(secret)})
	})
	if err != nil {
		return Feeds{}, fmt.Errorf("save feed token: %w", err)
	}
	return s.feeds(u, secret), nil
}

func (s *Service) feeds(u *pasched.User, secret string) Feeds {
	base := strings.TrimRight(s.BaseURL, "/") + "/feeds/" + url.PathEscape(secret)
	f := Feeds{Shifts: base + ".ics"}
	if u.IsAdmin() {
		f.Gaps = base + "/gaps.ics"
	}
	return f
}
