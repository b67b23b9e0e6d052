package coverage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"pasched"
	"pasched/intel"
	"pasched/jobs"
	"pasched/mail"
	"pasched/schedule"
	"pasched/sqlstore"
)

// Digest is what the daily check found and what it sent.
type Digest struct {
	Report  *Report
	Summary string
	// Worded reports whether the language model wrote Summary.
	Worded bool
	// Sent is false when every window was covered, no admin is active, or
	// the digest of that date was already sent (Report is then nil).
	Sent bool
}

// CheckUpcoming is the seed's check_upcoming_coverage, run daily: the gaps
// of the coming days (the configured horizon) with suggestions, and, when
// there are any, one digest email to each active admin, enqueued in the
// transaction that records the digest of localDate, so it goes once however
// often the check runs that day.
func (s *Service) CheckUpcoming(ctx context.Context, localDate schedule.Date) (*Digest, error) {
	// A retry or another instance after the digest went: no work, and no
	// call to the language model. (RecordDigest below is what guarantees
	// one email; this only saves the effort.)
	if sent, err := sqlstore.DigestRecorded(ctx, s.DB, localDate); err != nil || sent {
		if err != nil {
			return nil, fmt.Errorf("coverage check: %w", err)
		}
		return &Digest{}, nil
	}
	now := s.now()
	r, err := s.report(ctx, now, s.days(), true)
	if err != nil {
		return nil, fmt.Errorf("coverage check: %w", err)
	}
	d := &Digest{Report: r}
	if len(r.Gaps) == 0 {
		return d, nil
	}
	d.Summary = intel.DigestSummary(gapsOf(r), r.From, r.To)
	if s.Wording != nil {
		// Outside any transaction: a slow model holds nothing.
		if text, err := s.Wording.Summary(ctx, digestFacts(r, d.Summary)); err != nil {
			s.logger().Warn("digest wording failed, plain text used", "err", err)
		} else {
			d.Summary, d.Worded = text, true
		}
	}
	err = s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		first, err := sqlstore.RecordDigest(ctx, tx, localDate, len(r.Gaps))
		if err != nil || !first {
			return err
		}
		admins, err := sqlstore.ListActiveUsers(ctx, tx, pasched.RoleAdmin)
		if err != nil || len(admins) == 0 {
			return err
		}
		d.Sent = true
		// One email per admin, so that each admin's notification settings
		// (the daily digest switched off, quiet hours) and their own
		// unsubscribe link apply.
		for _, a := range admins {
			if err := jobs.EnqueueNotice(ctx, s.Jobs, tx, s.digestEmail([]string{a.Email}, d),
				fmt.Sprintf("coverage_digest:%s:%d", localDate, a.ID), pasched.NotifyDailyDigest, a.ID, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("coverage check: %w", err)
	}
	return d, nil
}

func gapsOf(r *Report) []intel.Gap {
	out := make([]intel.Gap, len(r.Gaps))
	for i, g := range r.Gaps {
		out[i] = g.Gap
	}
	return out
}

// digestEmail renders the digest: the summary, every gap with its slots and
// the first suggestion for each, and the link to the console.
func (s *Service) digestEmail(to []string, d *Digest) mail.Message {
	r := d.Report
	var b strings.Builder
	fmt.Fprintf(&b, "Coverage check: %s to %s\n\n%s\n\nUncovered critical times:\n", intel.LongDate(r.From), intel.LongDate(r.To), d.Summary)
	for i, line := range intel.DigestLines(gapsOf(r)) {
		fmt.Fprintf(&b, "\n- %s\n", line)
		for _, sv := range r.Gaps[i].Slots {
			if len(sv.Suggestions) == 0 {
				fmt.Fprintf(&b, "  %s–%s: nobody is free to cover it.\n", intel.HM(sv.Slot.Start), intel.HM(sv.Slot.End))
				continue
			}
			top := sv.Suggestions[0]
			fmt.Fprintf(&b, "  %s–%s: suggested %s (%s)\n", intel.HM(sv.Slot.Start), intel.HM(sv.Slot.End), top.Name, top.Why)
		}
	}
	fmt.Fprintf(&b, "\nSee the gaps and offer them to PAs: %s/admin/coverage\n\nPA Scheduling System\n", s.FrontendURL)
	n := len(r.Gaps)
	subject := fmt.Sprintf("Coverage check: %d critical windows uncovered in the next %d days", n, r.Days)
	if n == 1 {
		subject = fmt.Sprintf("Coverage check: 1 critical window uncovered in the next %d days", r.Days)
	}
	return mail.Message{To: to, Subject: subject, Text: b.String()}
}

// LocalDate is the date in TIME_ZONE at t (what a periodic job is keyed by).
func (s *Service) LocalDate(t time.Time) schedule.Date { return s.today(t) }
