package coverage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"pasched"
	"pasched/intel"
	"pasched/jobs"
	"pasched/mail"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// DefaultOfferRecipients is how many of the best-ranked PAs an offer goes
// to when the admin names nobody.
const DefaultOfferRecipients = 3

// MaxOfferRecipients bounds the PAs one offer goes to.
const MaxOfferRecipients = 50

// OfferInput is a new offer after decoding; the date and times are required.
type OfferInput struct {
	Date       *schedule.Date
	Start, End *schedule.TimeOfDay
	// PAIDs are the PAs to ask; empty asks the DefaultOfferRecipients best
	// ranked.
	PAIDs []int64
}

// CreateOffer offers an uncovered slot to PAs (admins only) and emails each
// a link to accept it. The slot must last more than zero minutes, start in
// the future, lie in a schedule period, and overlap no approved shift; each
// PA named must be an active PA free at that time within their weekly
// limit. Codes: EFORBIDDEN, EINVALID.
func (s *Service) CreateOffer(ctx context.Context, u *pasched.User, in OfferInput) (*pasched.CoverOffer, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	var fe pasched.FieldErrors
	for field, missing := range map[string]bool{"date": in.Date == nil, "start_time": in.Start == nil, "end_time": in.End == nil} {
		if missing {
			fe.Add(field, "This field is required.")
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	slot := schedule.Shift{Date: *in.Date, Start: *in.Start, End: *in.End}
	if schedule.ValidateTimes(slot.Start, slot.End) != nil {
		return nil, pasched.Invalid("end_time", "End time must differ from start time (an end time before the start time means the slot ends the next day).")
	}
	now := s.now()
	startsAt, _ := intel.RealSpan(slot, s.loc())
	if !startsAt.After(now) {
		return nil, pasched.Invalid(pasched.NonField, "This slot has already started; only a slot still to come can be offered.")
	}
	period, err := sqlstore.FindPeriodFor(ctx, s.DB, slot.Date)
	if pasched.ErrorCode(err) == pasched.ENOTFOUND {
		return nil, pasched.Invalid("date", fmt.Sprintf("No schedule period includes %s: create one first.", slot.Date))
	}
	if err != nil {
		return nil, err
	}
	prev, next := schedule.NeighbourDates(slot.Date)
	near, err := sqlstore.FindOccupyingShifts(ctx, s.DB, prev, next)
	if err != nil {
		return nil, err
	}
	var approved []schedule.Shift
	for _, sh := range near {
		if sh.Status == pasched.ShiftApproved {
			approved = append(approved, sh.Rule())
		}
	}
	if c := schedule.Conflicts(slot, approved); len(c) > 0 {
		return nil, pasched.Invalid(pasched.NonField, fmt.Sprintf("An approved shift (%s %s–%s) already covers part of this slot: offer only the uncovered time.",
			c[0].Date, intel.HM(c[0].Start), intel.HM(c[0].End)))
	}
	chosen, err := s.recipients(ctx, now, slot, in.PAIDs)
	if err != nil {
		return nil, err
	}
	o := &pasched.CoverOffer{PeriodID: period.ID, Date: slot.Date, Start: slot.Start, End: slot.End,
		CreatedBy: u.ID, ExpiresAt: startsAt.UTC(), Recipients: chosen}
	err = s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.CreateOffer(ctx, tx, o); err != nil {
			return err
		}
		for _, r := range o.Recipients {
			start := o.ExpiresAt
			if err := jobs.EnqueueNotice(ctx, s.Jobs, tx, s.offerEmail(o, r), fmt.Sprintf("cover_offer:%d:%d", o.ID, r.PAID),
				pasched.NotifyCoverOffer, r.PAID, &start); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create offer: %w", err)
	}
	return o, nil
}

// recipients checks the PAs named, or picks the best ranked.
func (s *Service) recipients(ctx context.Context, now time.Time, slot schedule.Shift, ids []int64) ([]pasched.OfferRecipient, error) {
	from, to := slot.Date.AddDays(-intel.StatsWeeks*7-1), schedule.WeekStart(slot.Date).AddDays(7)
	shifts, err := sqlstore.FindOccupyingShifts(ctx, s.DB, from, to)
	if err != nil {
		return nil, err
	}
	cands, err := s.candidates(ctx, now, shifts)
	if err != nil {
		return nil, err
	}
	ranked, excluded := intel.Rank(slot, cands)
	emails := map[int64]string{}
	pas, err := sqlstore.FindPACandidates(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	for _, p := range pas {
		emails[p.ID] = p.Email
	}
	var out []pasched.OfferRecipient
	if len(ids) == 0 {
		for _, r := range ranked[:min(len(ranked), DefaultOfferRecipients)] {
			out = append(out, pasched.OfferRecipient{PAID: r.PAID, Name: r.Name, Email: emails[r.PAID]})
		}
		if len(out) == 0 {
			return nil, pasched.Invalid("pa_ids", "No PA is free to cover this slot within their weekly hours.")
		}
		return out, nil
	}
	var fe pasched.FieldErrors
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if i := slices.IndexFunc(ranked, func(r intel.Suggestion) bool { return r.PAID == id }); i >= 0 {
			out = append(out, pasched.OfferRecipient{PAID: id, Name: ranked[i].Name, Email: emails[id]})
			continue
		}
		if i := slices.IndexFunc(excluded, func(e intel.Excluded) bool { return e.PAID == id }); i >= 0 {
			fe.Add("pa_ids", fmt.Sprintf("%s cannot take this slot: %s.", excluded[i].Name, excluded[i].Reason))
			continue
		}
		fe.Add("pa_ids", fmt.Sprintf("No active PA has the id %d.", id))
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if len(out) > MaxOfferRecipients {
		return nil, pasched.Invalid("pa_ids", fmt.Sprintf("Ensure this field has no more than %d elements.", MaxOfferRecipients))
	}
	return out, nil
}

// offerPath is where a PA reads and accepts an offer in the web app.
func offerPath(id int64) string { return fmt.Sprintf("/offers/%d", id) }

// slotWords describes a slot: "Tuesday 5 March 2030, 06:00–09:00".
func slotWords(o *pasched.CoverOffer) string {
	end := intel.HM(o.End)
	if o.Rule().EndsNextDay() {
		end += " (next day)"
	}
	return intel.LongDate(o.Date) + ", " + intel.HM(o.Start) + "–" + end
}

func greeting(name string) string {
	if name == "" {
		return "Hi,"
	}
	return "Hi " + name + ","
}

func (s *Service) offerEmail(o *pasched.CoverOffer, r pasched.OfferRecipient) mail.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nA critical time is not covered yet: %s (%s).\n\n", greeting(r.Name), slotWords(o),
		schedule.FormatHours(schedule.DurationHundredths(o.Start, o.End))+" h")
	fmt.Fprintf(&b, "If you can take it, accept it here:\n%s%s\n\n", s.FrontendURL, offerPath(o.ID))
	fmt.Fprintf(&b, "It has been offered to %d PA(s); the first to accept gets the shift. The offer closes when the shift starts.\n\nThank you,\nPA Scheduling System\n",
		len(o.Recipients))
	return mail.Message{To: []string{r.Email}, Subject: "Can you cover " + slotWords(o) + "?", Text: b.String()}
}

func (s *Service) filledEmail(o *pasched.CoverOffer, r pasched.OfferRecipient) mail.Message {
	text := fmt.Sprintf("%s\n\nThank you for being ready to help. The shift of %s has now been covered, so there is nothing more you need to do.\n\nPA Scheduling System\n",
		greeting(r.Name), slotWords(o))
	return mail.Message{To: []string{r.Email}, Subject: "Covered: " + slotWords(o), Text: text}
}

// Why an acceptance did not get the shift.
const (
	RefusedFilled      = "filled"
	RefusedExpired     = "expired"
	RefusedUnavailable = "unavailable"
)

// Messages of the polite refusals.
const (
	msgFilled  = "Thank you for offering to help. Someone else has already taken this shift, so there is nothing more you need to do."
	msgExpired = "Thank you for answering. This offer has closed because the shift has already started."
	msgWon     = "Thank you! The shift is yours and has been approved."
)

// AcceptResult is the answer to an acceptance: the shift when it was won,
// else why not, politely.
type AcceptResult struct {
	Accepted bool
	Reason   string // RefusedFilled…, "" when accepted
	Message  string
	Shift    *pasched.Shift
	Offer    *pasched.CoverOffer
}

// refusal ends an acceptance's change with nothing written.
type refusal struct{ reason, msg string }

func (r *refusal) Error() string { return "offer refused: " + r.reason }

// AcceptOffer gives the slot to PA u if nobody has taken it yet: the shift
// is approved under the approval rules (no clash, overnight shifts
// included; their week within their limit), and the other recipients are
// told it has been filled. However many accept at once, exactly one wins;
// the others get a polite refusal (Accepted false), as does an acceptance
// after the slot started or one the rules refuse (with the rule's words).
// Codes: ENOTFOUND (no such offer, or not offered to u).
func (s *Service) AcceptOffer(ctx context.Context, u *pasched.User, id int64) (*AcceptResult, error) {
	o, err := sqlstore.FindOffer(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if u == nil || !o.HasRecipient(u.ID) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "Not found.")
	}
	res := &AcceptResult{Offer: o}
	if r := refusalOf(o, s.now()); r != nil {
		res.Reason, res.Message = r.reason, r.msg
		return res, nil
	}
	admin, err := s.approver(ctx, o)
	if err != nil {
		return nil, err
	}
	sh, err := s.Scheduling.CreateCoverShift(ctx, scheduling.CoverInput{
		PA: u, Admin: admin, PeriodID: o.PeriodID, Date: o.Date, Start: o.Start, End: o.End,
		Notes: fmt.Sprintf("Cover offer %d", o.ID),
		Precheck: func(ctx context.Context, tx *sqlstore.Tx) error {
			cur, err := sqlstore.FindOffer(ctx, tx, o.ID)
			if err != nil {
				return err
			}
			if r := refusalOf(cur, tx.Now); r != nil {
				return r
			}
			return nil
		},
		Claim: func(ctx context.Context, tx *sqlstore.Tx, sh *pasched.Shift) ([]mail.Message, []string, error) {
			won, err := sqlstore.FillOffer(ctx, tx, o.ID, u.ID, sh.ID)
			if err != nil {
				return nil, nil, err
			}
			if !won {
				return nil, nil, &refusal{RefusedFilled, msgFilled}
			}
			var ms []mail.Message
			var events []string
			for _, r := range o.Recipients {
				if r.PAID != u.ID {
					ms = append(ms, s.filledEmail(o, r))
					events = append(events, fmt.Sprintf("cover_offer_filled:%d:%d", o.ID, r.PAID))
				}
			}
			return ms, events, nil
		},
	})
	var ref *refusal
	switch {
	case errors.As(err, &ref):
		res.Reason, res.Message = ref.reason, ref.msg
		return res, nil
	case pasched.ErrorCode(err) == pasched.EINVALID:
		res.Reason, res.Message = RefusedUnavailable, "Thank you, but you cannot take this shift: "+firstMessage(err)
		return res, nil
	case err != nil:
		return nil, fmt.Errorf("accept offer %d: %w", id, err)
	}
	st, by, now := pasched.OfferFilled, u.ID, s.now()
	o.Status, o.FilledBy, o.ShiftID, o.FilledAt = st, &by, &sh.ID, &now
	res.Accepted, res.Message, res.Shift = true, msgWon, sh
	return res, nil
}

// refusalOf says why u cannot take o now, or nil.
func refusalOf(o *pasched.CoverOffer, now time.Time) *refusal {
	switch o.StatusAt(now) {
	case pasched.OfferFilled:
		return &refusal{RefusedFilled, msgFilled}
	case pasched.OfferExpired:
		return &refusal{RefusedExpired, msgExpired}
	}
	return nil
}

// approver is the admin the won shift is approved by: the offer's author,
// or the first active admin when that account is gone.
func (s *Service) approver(ctx context.Context, o *pasched.CoverOffer) (*pasched.User, error) {
	if o.CreatedBy != 0 {
		if a, err := sqlstore.FindUserByID(ctx, s.DB, o.CreatedBy); err == nil && a.IsAdmin() {
			return a, nil
		}
	}
	admins, err := sqlstore.ListActiveUsers(ctx, s.DB, pasched.RoleAdmin)
	if err != nil {
		return nil, err
	}
	if len(admins) == 0 {
		return nil, errors.New("no active admin to approve a cover shift")
	}
	return admins[0], nil
}

// firstMessage is the first message of a validation error.
func firstMessage(err error) string {
	var e *pasched.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	if e.Message != "" {
		return e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if ms := e.Fields[k]; len(ms) > 0 {
			return ms[0]
		}
	}
	return "the schedule rules refuse it."
}

// FindOffer returns an offer to an admin or to a PA it was sent to.
// Codes: ENOTFOUND.
func (s *Service) FindOffer(ctx context.Context, u *pasched.User, id int64) (*pasched.CoverOffer, error) {
	o, err := sqlstore.FindOffer(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if u == nil || (!u.IsAdmin() && !o.HasRecipient(u.ID)) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "Not found.")
	}
	return o, nil
}

// Offers lists the latest offers, newest first: every offer for an admin, a
// PA's own for a PA.
func (s *Service) Offers(ctx context.Context, u *pasched.User) ([]*pasched.CoverOffer, error) {
	f := sqlstore.OfferFilter{}
	if !u.IsAdmin() {
		f.PAID = u.ID
	}
	return sqlstore.FindOffers(ctx, s.DB, f)
}

// Clock is the service's current time (offer statuses are read at it).
func (s *Service) Clock() time.Time { return s.now() }
