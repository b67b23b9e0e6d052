package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/mail"
	"pasched/sqlstore"
	"pasched/token"
)

// Policy applies each recipient's notification settings to a
// notification email at the moment it is sent (so a change of settings
// reaches emails already queued): a kind switched off is not sent, an email
// due in quiet hours waits for their end (unless it is about a shift that
// starts before then), and every one carries a one-click unsubscribe link
// for its kind (RFC 8058).
type Policy struct {
	DB *sqlstore.DB
	// Location is TIME_ZONE, the clock of quiet hours.
	Location *time.Location
	// Signer makes the unsubscribe tokens (SECRET_KEY).
	Signer *token.Signer
	// BaseURL is where this server answers /unsubscribe/{token}
	// (PUBLIC_URL).
	BaseURL string
	// SettingsURL, when set, is the page of every setting, named in the
	// emails beside the unsubscribe link.
	SettingsURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (p *Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// UnsubscribeURL is the one-click link that switches kind off for userID.
func (p *Policy) UnsubscribeURL(userID int64, kind string) string {
	return strings.TrimRight(p.BaseURL, "/") + "/unsubscribe/" + p.Signer.Unsubscribe(userID, kind)
}

// Apply returns the message to send and whether to send it; an error
// snoozes the job until the recipient's quiet hours end.
func (p *Policy) Apply(ctx context.Context, a EmailArgs, m mail.Message) (mail.Message, bool, error) {
	if a.Notify == "" || a.UserID == 0 {
		return m, true, nil // account emails, and jobs queued before kinds existed
	}
	s, err := sqlstore.FindNotificationSettings(ctx, p.DB, a.UserID)
	if err != nil {
		return m, false, err
	}
	if !s.Wants(a.Notify) {
		return m, false, nil
	}
	now := p.now()
	var start time.Time
	if a.ShiftStart != nil {
		start = *a.ShiftStart
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	if at := s.SendAt(now, loc, start); at.After(now) {
		// A snooze is not an attempt: River keeps the retry budget.
		return m, false, river.JobSnooze(at.Sub(now))
	}
	what := a.Notify
	for _, k := range pasched.NotifyKinds {
		if k.Name == a.Notify {
			what = k.Label
		}
	}
	return mail.WithUnsubscribe(m, p.UnsubscribeURL(a.UserID, a.Notify), what, p.SettingsURL), true, nil
}

// EnqueueNotice inserts a notification email for one user in tx: the
// recipient's settings apply when it is sent (Policy). shiftStart, when
// set, is the start of the shift it is about (quiet hours never hold back
// an email about a shift starting before they end).
func EnqueueNotice(ctx context.Context, c *Client, tx *sqlstore.Tx, m mail.Message, event, kind string, userID int64, shiftStart *time.Time) error {
	if len(m.To) == 0 {
		return nil
	}
	_, err := c.InsertTx(ctx, tx.SQL(), EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Event: event,
		Notify: kind, UserID: userID, ShiftStart: shiftStart}, nil)
	if err != nil {
		return fmt.Errorf("enqueue email %s: %w", event, err)
	}
	return nil
}
