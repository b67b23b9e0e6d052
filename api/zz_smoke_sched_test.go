package api

import (
	"fmt"
	"testing"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func TestSchedSmoke(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		a := e.admin("admin@example.com")
		al := e.pa("alice@example.com", "Alice", "Anderson")
		r := e.do("POST", "/api/schedule-periods/", map[string]any{"name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31"}, a)
		t.Logf("%d %s", r.Status, r.Body)
		r = e.do("POST", "/api/shifts/", map[string]any{"schedule_period": 1, "date": "2030-03-02", "start_time": "21:00", "end_time": "09:00"}, al)
		t.Logf("%d %s", r.Status, r.Body)
		r = e.do("POST", "/api/shifts/1/approve/", map[string]any{"admin_notes": "ok"}, a)
		t.Logf("%d %s", r.Status, r.Body)
		r = e.do("GET", "/api/shifts/", nil, a)
		t.Logf("%d %s", r.Status, r.Body)
		r = e.do("GET", "/api/schedule-periods/1/", nil, al)
		t.Logf("%d %s", r.Status, r.Body)
		r = e.do("POST", "/api/schedule-periods/1/finalize/", nil, a)
		t.Logf("%d %s", r.Status, r.Body)
		for _, ev := range e.events.take() {
			fmt.Printf("%d %d %s\n   public %s\n", ev.PeriodID, ev.OwnerID, ev.Full, ev.Public)
		}
	})
}
