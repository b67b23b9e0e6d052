package scheduling

import (
	"context"
	"fmt"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// ShiftListPage is a page of the shift list read model (see read.go): the
// shifts of one filter, newest first, with the count of the whole filter.
// It is never modified once built: requests share it.
type ShiftListPage struct {
	Shifts []*pasched.Shift
	// Count is how many shifts the filter selects in all.
	Count int
	// Number is the page's number from 1 (a last page's, worked out).
	Number int
	// Beyond is set for a page past the end (it has no shift, Count is
	// unknown).
	Beyond bool
	memo
}

// listKey is what a page depends on besides the data: whose shifts
// (ShiftScope), the filters, the page size and number (0: the last).
type listKey struct {
	scope    int64
	status   string
	period   int64
	from, to schedule.Date
	hasFrom  bool
	hasTo    bool
	size     int
	page     int
}

// ListShifts returns page n (from 1; 0 for the last page) of size shifts of
// f that u may see (an admin every shift, a PA their own), newest first,
// with their count: read in one query and kept while the data it was read
// from is unchanged (see read.go). f's Offset, Limit and Order are ignored.
func (s *Service) ListShifts(ctx context.Context, u *pasched.User, f sqlstore.ShiftFilter, size, n int) (*ShiftListPage, error) {
	if size <= 0 || n < 0 {
		return nil, fmt.Errorf("list shifts: bad page %d of size %d", n, size)
	}
	f = scope(u, f)
	f.Order, f.Limit, f.Offset = "", size, 0
	if n > 0 {
		f.Offset = (n - 1) * size
	}
	k := listKey{scope: f.RequestedBy, status: f.Status, period: f.PeriodID, size: size, page: n}
	if f.From != nil {
		k.from, k.hasFrom = *f.From, true
	}
	if f.To != nil {
		k.to, k.hasTo = *f.To, true
	}
	if f.VisibleTo != 0 {
		return nil, fmt.Errorf("list shifts: VisibleTo is not a list filter")
	}
	v, _, err := s.version(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("list shifts: %w", err)
	}
	p, err := s.pages.get(ctx, k, v, func(ctx context.Context) (*ShiftListPage, error) {
		sp, err := sqlstore.FindShiftPage(ctx, s.DB, f, n == 0)
		if err != nil {
			return nil, err
		}
		return &ShiftListPage{Shifts: sp.Shifts, Count: sp.Count, Number: sp.Offset/size + 1, Beyond: sp.Beyond}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list shifts: %w", err)
	}
	return p, nil
}
