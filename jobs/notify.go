package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
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

	// reads shares the settings reads of sends that start together.
	reads settingsReads
}

// settingsReads group-reads the recipients' settings on PostgreSQL: River
// hands the jobs of a fetch to its workers at once, and their reads, each
// a round trip (a wake-up of the server and of PostgreSQL), share one
// statement: a read that starts while another is under way joins the next
// one, which goes as soon as that one is done. On SQLite, in the process,
// a read costs no round trip and is done alone.
type settingsReads struct {
	mu  sync.Mutex
	cur *settingsBatch // the batch new reads join; nil when none is open
	// reading serialises the batches' statements; while one runs the next fills.
	reading sync.Mutex
}

type settingsBatch struct {
	ids  []int64
	done chan struct{}
	got  map[int64]*pasched.NotificationSettings
	err  error
}

// maxSettingsBatch bounds one statement's users.
const maxSettingsBatch = 500

// find returns userID's settings; the value may be shared with other sends
// of its batch and must not be changed.
func (r *settingsReads) find(ctx context.Context, db *sqlstore.DB, userID int64) (*pasched.NotificationSettings, error) {
	if db.Dialect != sqlstore.Postgres {
		return sqlstore.FindNotificationSettings(ctx, db, userID)
	}
	r.mu.Lock()
	b := r.cur
	leader := b == nil || len(b.ids) >= maxSettingsBatch
	if leader {
		b = &settingsBatch{done: make(chan struct{})}
		r.cur = b
	}
	if !slices.Contains(b.ids, userID) {
		b.ids = append(b.ids, userID)
	}
	r.mu.Unlock()
	if leader {
		// Waits for the batch being read, then closes its own to
		// newcomers and reads it. The statement runs without the caller's
		// context: the others of the batch wait on it.
		r.reading.Lock()
		r.mu.Lock()
		if r.cur == b {
			r.cur = nil
		}
		ids := b.ids
		r.mu.Unlock()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), JobTimeout)
		b.got, b.err = sqlstore.FindNotificationSettingsOf(rctx, db, ids)
		cancel()
		r.reading.Unlock()
		close(b.done)
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.got[userID], nil
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
	s, err := p.reads.find(ctx, p.DB, a.UserID)
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
