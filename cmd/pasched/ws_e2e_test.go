package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The live channel through the real binary (SQLite, so LocalBroker), with
// real clients: who receives what, the control messages, the refusals and
// the shutdown.
//
// Absence is proved without sleeping. The service hands an event to the
// hub before its HTTP response is written (LocalBroker delivers in the
// transaction's AfterCommit, which runs before WriteTx returns); the hub's
// dispatcher queues events and replies to client messages in the order it
// got them, and a socket sends its messages in queue order. So once a call
// has answered, a ping sent on a socket is answered after every event the
// call raised for it: what has not arrived before the pong was not sent
// (wsClient.drain).

// obj is a JSON object as the tests write expected messages.
type obj = map[string]any

// wsClient is one test socket.
type wsClient struct {
	t    *testing.T
	name string
	conn *websocket.Conn
	ctx  context.Context
	ping int64 // timestamp of the last ping sent
}

// wsURL is the live channel's URL on in for period (a string, to try bad
// ones) and token ("" for none).
func wsURL(in *instance, period, token string) string {
	u := "ws://" + in.addr + "/ws/schedule/" + period + "/"
	if token != "" {
		u += "?token=" + token
	}
	return u
}

// dialWS connects and returns the client with its connection.established
// message.
func dialWS(ctx context.Context, t *testing.T, name, url string) (*wsClient, obj) {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	c := &wsClient{t: t, name: name, conn: conn, ctx: ctx, ping: time.Now().UnixNano() % 1e9}
	return c, c.next()
}

// next reads one message.
func (c *wsClient) next() obj {
	c.t.Helper()
	typ, data, err := c.conn.Read(c.ctx)
	if err != nil {
		c.t.Fatalf("%s: read: %v", c.name, err)
	}
	if typ != websocket.MessageText {
		c.t.Fatalf("%s: a %v message, want text", c.name, typ)
	}
	var m obj
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("%s: message is not a JSON object: %s", c.name, data)
	}
	return m
}

func (c *wsClient) send(text string) {
	c.t.Helper()
	if err := c.conn.Write(c.ctx, websocket.MessageText, []byte(text)); err != nil {
		c.t.Fatalf("%s: write: %v", c.name, err)
	}
}

// drain sends a ping and returns every message that arrives before its
// pong: everything queued for this socket before the ping was read.
func (c *wsClient) drain() []obj {
	c.t.Helper()
	c.ping++
	c.send(fmt.Sprintf(`{"type":"ping","timestamp":%d}`, c.ping))
	var got []obj
	for {
		m := c.next()
		if m["type"] == "pong" {
			if m["timestamp"] != float64(c.ping) {
				c.t.Fatalf("%s: pong %v, want timestamp %d", c.name, m, c.ping)
			}
			return got
		}
		got = append(got, m)
	}
}

// expect drains c and compares what arrived, timestamps replaced by "<ts>",
// with want, in order.
func (c *wsClient) expect(step string, want ...obj) {
	c.t.Helper()
	got := c.drain()
	for _, m := range got {
		placeholdTimes(c.t, m)
	}
	g, w := canon(got), canon(want)
	if len(got) == 0 {
		g = []any{}
	}
	if len(want) == 0 {
		w = []any{}
	}
	if !reflect.DeepEqual(g, w) {
		c.t.Errorf("%s: %s received\n%s\nwant\n%s", step, c.name, indent(g), indent(w))
	}
}

// expectClosed reads until the connection ends and checks its close code.
func (c *wsClient) expectClosed(code websocket.StatusCode) {
	c.t.Helper()
	for {
		_, data, err := c.conn.Read(c.ctx)
		if err == nil {
			c.t.Fatalf("%s: got %s, want close %d", c.name, data, code)
		}
		if got := websocket.CloseStatus(err); got != code {
			c.t.Fatalf("%s: connection ended with %v (close code %d), want close %d", c.name, err, got, code)
		}
		return
	}
}

var tsRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$`)

// placeholdTimes replaces, at any depth, the values of created_at,
// updated_at and approved_at that are DRF timestamps by "<ts>"; a string
// there that is not one fails the test.
func placeholdTimes(t *testing.T, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "created_at", "updated_at", "approved_at":
				if s, ok := x.(string); ok {
					if !tsRE.MatchString(s) {
						t.Errorf("%s = %q is not a DRF timestamp", k, s)
					}
					v[k] = "<ts>"
					continue
				}
			}
			placeholdTimes(t, x)
		}
	case []any:
		for _, x := range v {
			placeholdTimes(t, x)
		}
	}
}

// canon is v as encoding/json decodes it (numbers float64 etc.).
func canon(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func indent(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// register signs a PA up and returns their id and an access token.
func registerPA(t *testing.T, base, email, first, last string) (int64, string) {
	t.Helper()
	const pw = "Sunflower-Orbit-42"
	call(t, "POST", base+"/api/auth/register/", "", map[string]string{
		"email": email, "username": strings.Split(email, "@")[0], "first_name": first, "last_name": last,
		"phone_number": "555-0101", "password": pw, "password_confirm": pw}, 201)
	tok := loginAs(t, base, email, pw)
	me := call(t, "GET", base+"/api/auth/me/", tok, nil, 200)
	return int64(me["id"].(float64)), tok
}

// wsFixture is a server with an admin, two PAs (Alicia owns the shifts, Bob
// is the other PA) and two periods.
type wsFixture struct {
	in                      *instance
	admin, alice, bob       string // access tokens
	adminID, aliceID, bobID int64
	p, q                    int64 // March 2030 and April 2030
}

func newWSFixture(t *testing.T) *wsFixture {
	t.Helper()
	dir := t.TempDir()
	dbURL := migratedSQLite(t)
	createAdminCmd(t, dir, dbURL)
	f := &wsFixture{in: startServe(t, dir, dbURL)}
	base := f.in.base
	f.admin = loginAs(t, base, "admin@example.com", "Adm1n-Pass-2030!")
	f.adminID = int64(call(t, "GET", base+"/api/auth/me/", f.admin, nil, 200)["id"].(float64))
	f.aliceID, f.alice = registerPA(t, base, "alice@example.com", "Alicia", "Anderson")
	f.bobID, f.bob = registerPA(t, base, "bob@example.com", "Bob", "Brown")
	f.p = int64(call(t, "POST", base+"/api/schedule-periods/", f.admin, map[string]string{
		"name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31"}, 201)["id"].(float64))
	f.q = int64(call(t, "POST", base+"/api/schedule-periods/", f.admin, map[string]string{
		"name": "April 2030", "start_date": "2030-04-01", "end_date": "2030-04-30"}, 201)["id"].(float64))
	return f
}

func (f *wsFixture) url(period int64, token string) string {
	return wsURL(f.in, strconv.FormatInt(period, 10), token)
}

// shiftFields are the values of a shift in an event.
type shiftFields struct {
	period, by, approver    int64
	periodName, byName      string
	id                      int64
	date, start, end, hours string
	status, notes, rejected string
	adminNotes              *string // nil: the field is absent (another PA's copy)
	approved                bool
}

// obj is the seed's ShiftRequestSerializer of s, every field, timestamps as
// "<ts>": admin_notes only when s.adminNotes is set, approved_by_name only
// when approved.
func (s shiftFields) obj() obj {
	m := obj{"id": s.id, "schedule_period": s.period, "schedule_period_name": s.periodName,
		"requested_by": s.by, "requested_by_name": s.byName, "date": s.date, "start_time": s.start,
		"end_time": s.end, "duration_hours": s.hours, "status": s.status, "notes": s.notes,
		"rejected_reason": s.rejected, "created_at": "<ts>", "updated_at": "<ts>",
		"approved_at": nil, "approved_by": nil}
	if s.adminNotes != nil {
		m["admin_notes"] = *s.adminNotes
	}
	if s.approved {
		m["approved_at"], m["approved_by"], m["approved_by_name"] = "<ts>", s.approver, "Ada Admin"
	}
	return m
}

func str(s string) *string { return &s }

// event is shift.requested, .approved or .rejected.
func event(typ string, sh obj, msg string) obj { return obj{"type": typ, "shift": sh, "message": msg} }

// coverage is a coverage.alert with the default critical windows.
func coverage(date string, morning, evening bool, status string, morningShift, eveningShift any) obj {
	return obj{"type": "coverage.alert", "date": date, "message": "Coverage status updated",
		"coverage": obj{"morning_covered": morning, "evening_covered": evening, "status": status,
			"windows": []obj{
				{"start": "06:00:00", "end": "09:00:00", "covered": morning, "shift_id": morningShift},
				{"start": "21:00:00", "end": "22:00:00", "covered": evening, "shift_id": eveningShift},
			}}}
}

// finalizedEvent is period.finalized of a "March 2030" period.
func finalizedEvent(period, adminID int64, shiftCount int) obj {
	return obj{"type": "period.finalized", "message": "March 2030 has been finalized", "period": obj{
		"id": period, "name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31", "status": "FINALIZED",
		"created_by": adminID, "created_by_name": "Ada Admin", "shift_count": shiftCount, "created_at": "<ts>", "updated_at": "<ts>"}}
}

func id(m map[string]any) int64 { return int64(m["id"].(float64)) }

// TestWebSocketControlSQLite: connection.established, ping/pong, error
// replies, and the refusals (4001, 4004, 404, Origin).
func TestWebSocketControlSQLite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	f := newWSFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	t.Run("established", func(t *testing.T) {
		for _, u := range []struct {
			name, token, email, role string
			id                       int64
		}{
			{"admin", f.admin, "admin@example.com", "ADMIN", f.adminID},
			{"alice", f.alice, "alice@example.com", "PA", f.aliceID},
		} {
			_, got := dialWS(ctx, t, u.name, f.url(f.p, u.token))
			want := canon(obj{"type": "connection.established", "message": fmt.Sprintf("Connected to schedule period %d", f.p),
				"user": obj{"id": u.id, "email": u.email, "role": u.role}})
			if !reflect.DeepEqual(canon(got), want) {
				t.Errorf("%s: first message\n%s\nwant\n%s", u.name, indent(got), indent(want))
			}
		}
	})

	t.Run("ping and bad messages", func(t *testing.T) {
		c, _ := dialWS(ctx, t, "admin", f.url(f.p, f.admin))
		for _, tc := range []struct{ send, want string }{
			// The contract's exchange, then timestamps of other types,
			// echoed as sent, and none at all (null).
			{`{"type": "ping", "timestamp": 1234567890}`, `{"type":"pong","timestamp":1234567890}`},
			{`{"type":"ping","timestamp":"abc"}`, `{"type":"pong","timestamp":"abc"}`},
			{`{"type":"ping","timestamp":{"a":[1,2.5]}}`, `{"type":"pong","timestamp":{"a":[1,2.5]}}`},
			{`{"type":"ping"}`, `{"type":"pong","timestamp":null}`},
			{`not json`, `{"type":"error","message":"Invalid JSON"}`},
			{`{"type":"ping",`, `{"type":"error","message":"Invalid JSON"}`},
			{`[1,2]`, `{"type":"error","message":"Message must be a JSON object"}`},
			{`"ping"`, `{"type":"error","message":"Message must be a JSON object"}`},
			{`42`, `{"type":"error","message":"Message must be a JSON object"}`},
			{`null`, `{"type":"error","message":"Message must be a JSON object"}`},
		} {
			c.send(tc.send)
			var want obj
			json.Unmarshal([]byte(tc.want), &want)
			if got := c.next(); !reflect.DeepEqual(got, want) {
				t.Errorf("sent %s: got %v, want %s", tc.send, got, tc.want)
			}
		}
		// Unknown types are ignored, and the socket is still open and in
		// order after all of the above: nothing arrives before the pong.
		c.send(`{"type":"subscribe"}`)
		c.expect("after bad messages")
	})

	t.Run("refusals", func(t *testing.T) {
		refresh := call(t, "POST", f.in.base+"/api/auth/login/", "", map[string]string{
			"email": "admin@example.com", "password": "Adm1n-Pass-2030!"}, 200)["tokens"].(map[string]any)["refresh"].(string)
		for _, tc := range []struct {
			name string
			url  string
			code websocket.StatusCode
		}{
			{"no token", f.url(f.p, ""), 4001},
			{"empty token", f.url(f.p, "") + "?token=", 4001},
			{"bad token", f.url(f.p, "not-a-jwt"), 4001},
			{"token of another key", f.url(f.p, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjo0MTAyNDQ0ODAwLCJpYXQiOjE3MDAwMDAwMDAsImp0aSI6IngiLCJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl"), 4001},
			{"refresh token", f.url(f.p, refresh), 4001},
			{"unknown period", wsURL(f.in, "999999", f.admin), 4004},
			{"period out of int64 range", wsURL(f.in, "99999999999999999999", f.admin), 4004},
			// Bad token and unknown period: the token is checked first.
			{"bad token, unknown period", wsURL(f.in, "999999", "x"), 4001},
		} {
			t.Run(tc.name, func(t *testing.T) {
				conn, res, err := websocket.Dial(ctx, tc.url, nil)
				if err != nil {
					t.Fatalf("dial: %v (the refusal must come after the upgrade)", err)
				}
				defer conn.CloseNow()
				if res.StatusCode != http.StatusSwitchingProtocols {
					t.Fatalf("status %d", res.StatusCode)
				}
				c := &wsClient{t: t, name: tc.name, conn: conn, ctx: ctx}
				c.expectClosed(tc.code)
			})
		}
		for _, p := range []string{"abc", "-1", "1/extra"} {
			_, res, err := websocket.Dial(ctx, wsURL(f.in, p, f.admin), nil)
			if err == nil || res == nil || res.StatusCode != http.StatusNotFound {
				t.Errorf("period %q: dial err %v, response %v; want HTTP 404", p, err, res)
			}
		}
	})

	t.Run("origin", func(t *testing.T) {
		for _, tc := range []struct {
			origin string
			ok     bool
		}{
			{"http://localhost:3000", true}, // CORS_ALLOWED_ORIGINS
			{"http://127.0.0.1:5173", true}, // an ALLOWED_HOSTS host, any port
			{"http://" + f.in.addr, true},   // the server's own
			{"http://evil.example", false},
			{"http://localhost.evil.example", false},
			{"null", false},
		} {
			h := http.Header{"Origin": {tc.origin}}
			conn, res, err := websocket.Dial(ctx, f.url(f.p, f.admin), &websocket.DialOptions{HTTPHeader: h})
			switch {
			case tc.ok && err != nil:
				t.Errorf("Origin %s: refused: %v", tc.origin, err)
			case !tc.ok && (err == nil || res == nil || res.StatusCode != http.StatusForbidden):
				t.Errorf("Origin %s: err %v, response %v; want HTTP 403", tc.origin, err, res)
			}
			if conn != nil {
				conn.CloseNow()
			}
		}
	})
}

// TestWebSocketEventsSQLite drives every kind of change through the API and
// checks, after each, exactly what each socket received: the admin and the
// owning PA get the seed's full payloads, the other PA only approved
// calendar entries (without admin_notes) and what concerns everyone, and a
// socket of another period nothing.
func TestWebSocketEventsSQLite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	f := newWSFixture(t)
	base := f.in.base
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	admin, _ := dialWS(ctx, t, "admin", f.url(f.p, f.admin))
	alice, _ := dialWS(ctx, t, "alice (owner)", f.url(f.p, f.alice))
	bob, _ := dialWS(ctx, t, "bob (other PA)", f.url(f.p, f.bob))
	other, _ := dialWS(ctx, t, "admin on April", f.url(f.q, f.admin))
	all := []*wsClient{admin, alice, bob, other}

	shift := func(s shiftFields) obj {
		s.period, s.periodName, s.approver = f.p, "March 2030", f.adminID
		return s.obj()
	}
	quiet := func(step string, cs ...*wsClient) {
		t.Helper()
		for _, c := range cs {
			c.expect(step)
		}
	}

	// 1. Alicia asks for a shift: the admin and she hear of it; Bob does not.
	r := call(t, "POST", base+"/api/shifts/", f.alice, obj{"schedule_period": f.p, "date": "2030-03-02",
		"start_time": "06:00", "end_time": "09:00", "notes": "Morning block"}, 201)
	s1 := id(r)
	s1f := shiftFields{id: s1, by: f.aliceID, byName: "Alicia Anderson", date: "2030-03-02", start: "06:00:00",
		end: "09:00:00", hours: "3.00", status: "PENDING", notes: "Morning block", adminNotes: str("")}
	requested := event("shift.requested", shift(s1f), "Alicia Anderson submitted a new shift request")
	admin.expect("request", requested)
	alice.expect("request", requested)
	quiet("request", bob, other)

	// 2. The admin approves it: full to the admin and Alicia, the calendar
	// entry without admin_notes to Bob; the date's coverage to everyone.
	call(t, "POST", fmt.Sprintf("%s/api/shifts/%d/approve/", base, s1), f.admin, obj{"admin_notes": "Welcome aboard"}, 200)
	s1f.status, s1f.adminNotes, s1f.approved = "APPROVED", str("Welcome aboard"), true
	pub := s1f
	pub.adminNotes = nil
	cov := coverage("2030-03-02", true, false, "partial", s1, nil)
	admin.expect("approve", event("shift.approved", shift(s1f), "Shift approved by Ada Admin"), cov)
	alice.expect("approve", event("shift.approved", shift(s1f), "Shift approved by Ada Admin"), cov)
	bob.expect("approve", event("shift.approved", shift(pub), "Shift approved by Ada Admin"), cov)
	quiet("approve", other)

	// 3. A second request, rejected: only the admin and Alicia hear.
	r = call(t, "POST", base+"/api/shifts/", f.alice, obj{"schedule_period": f.p, "date": "2030-03-03",
		"start_time": "10:00", "end_time": "12:00", "notes": "Late morning"}, 201)
	s2 := id(r)
	s2f := shiftFields{id: s2, by: f.aliceID, byName: "Alicia Anderson", date: "2030-03-03", start: "10:00:00",
		end: "12:00:00", hours: "2.00", status: "PENDING", notes: "Late morning", adminNotes: str("")}
	call(t, "POST", fmt.Sprintf("%s/api/shifts/%d/reject/", base, s2), f.admin, obj{"rejected_reason": "Already covered"}, 200)
	rej := s2f
	rej.status, rej.rejected = "REJECTED", "Already covered"
	for _, c := range []*wsClient{admin, alice} {
		c.expect("request and reject",
			event("shift.requested", shift(s2f), "Alicia Anderson submitted a new shift request"),
			event("shift.rejected", shift(rej), "Shift rejected by Ada Admin"))
	}
	quiet("request and reject", bob, other)

	// 4. The admin edits the approved shift: shift.updated with the
	// changes; Bob's copy has neither admin_notes nor its change. The
	// morning window stays covered by the same shift: no coverage.alert.
	call(t, "PATCH", fmt.Sprintf("%s/api/shifts/%d/", base, s1), f.admin,
		obj{"end_time": "10:00", "admin_notes": "Stay until ten"}, 200)
	oldNotes := *s1f.adminNotes
	s1f.end, s1f.hours, s1f.adminNotes = "10:00:00", "4.00", str("Stay until ten")
	pub = s1f
	pub.adminNotes = nil
	changes := obj{"end_time": obj{"old": "09:00:00", "new": "10:00:00"}, "duration_hours": obj{"old": "3.00", "new": "4.00"}}
	fullChanges := obj{"admin_notes": obj{"old": oldNotes, "new": "Stay until ten"}}
	for k, v := range changes {
		fullChanges[k] = v
	}
	updated := func(sh, ch obj) obj {
		return obj{"type": "shift.updated", "shift": sh, "changes": ch, "message": "Shift updated by Ada Admin"}
	}
	admin.expect("edit approved", updated(shift(s1f), fullChanges))
	alice.expect("edit approved", updated(shift(s1f), fullChanges))
	bob.expect("edit approved", updated(shift(pub), changes))
	quiet("edit approved", other)

	// 5. Alicia edits, then cancels, a pending request of hers: not Bob's
	// business.
	r = call(t, "POST", base+"/api/shifts/", f.alice, obj{"schedule_period": f.p, "date": "2030-03-04",
		"start_time": "06:00", "end_time": "09:00"}, 201)
	s3 := id(r)
	s3f := shiftFields{id: s3, by: f.aliceID, byName: "Alicia Anderson", date: "2030-03-04", start: "06:00:00",
		end: "09:00:00", hours: "3.00", status: "PENDING", adminNotes: str("")}
	call(t, "PATCH", fmt.Sprintf("%s/api/shifts/%d/", base, s3), f.alice, obj{"notes": "Can stay late"}, 200)
	s3e := s3f
	s3e.notes = "Can stay late"
	call(t, "DELETE", fmt.Sprintf("%s/api/shifts/%d/", base, s3), f.alice, nil, 200)
	for _, c := range []*wsClient{admin, alice} {
		c.expect("PA edits and cancels",
			event("shift.requested", shift(s3f), "Alicia Anderson submitted a new shift request"),
			obj{"type": "shift.updated", "shift": shift(s3e), "changes": obj{"notes": obj{"old": "", "new": "Can stay late"}},
				"message": "Shift updated by Alicia Anderson"},
			obj{"type": "shift.deleted", "shift_id": s3, "message": "Shift cancelled by Alicia Anderson"})
	}
	quiet("PA edits and cancels", bob, other)

	// 6. The admin creates a shift directly: approved at once, everyone's
	// calendar; the PAs get it without admin_notes.
	r = call(t, "POST", base+"/api/shifts/", f.admin, obj{"schedule_period": f.p, "date": "2030-03-05",
		"start_time": "21:00", "end_time": "22:00", "notes": "Evening", "admin_direct": true}, 201)
	s4 := id(r)
	s4f := shiftFields{id: s4, by: f.adminID, byName: "Ada Admin", date: "2030-03-05", start: "21:00:00",
		end: "22:00:00", hours: "1.00", status: "APPROVED", notes: "Evening", adminNotes: str(""), approved: true}
	s4p := s4f
	s4p.adminNotes = nil
	cov = coverage("2030-03-05", false, true, "partial", nil, s4)
	admin.expect("direct", event("shift.approved", shift(s4f), "Admin created shift directly"), cov)
	alice.expect("direct", event("shift.approved", shift(s4p), "Admin created shift directly"), cov)
	bob.expect("direct", event("shift.approved", shift(s4p), "Admin created shift directly"), cov)
	quiet("direct", other)

	// 7. The admin deletes the approved shift: a calendar entry gone, for
	// everyone, and the morning uncovered again.
	call(t, "DELETE", fmt.Sprintf("%s/api/shifts/%d/", base, s1), f.admin, nil, 204)
	deleted := obj{"type": "shift.deleted", "shift_id": s1, "message": "Shift deleted by admin"}
	cov = coverage("2030-03-02", false, false, "none", nil, nil)
	for _, c := range []*wsClient{admin, alice, bob} {
		c.expect("delete approved", deleted, cov)
	}
	quiet("delete approved", other)

	// 8. Finalisation rejects Alicia's pending request (hers and the
	// admin's to know) and announces the period to everyone.
	r = call(t, "POST", base+"/api/shifts/", f.alice, obj{"schedule_period": f.p, "date": "2030-03-06",
		"start_time": "06:00", "end_time": "09:00", "notes": "Pending at the end"}, 201)
	s5 := id(r)
	s5f := shiftFields{id: s5, by: f.aliceID, byName: "Alicia Anderson", date: "2030-03-06", start: "06:00:00",
		end: "09:00:00", hours: "3.00", status: "PENDING", notes: "Pending at the end", adminNotes: str("")}
	for _, c := range []*wsClient{admin, alice} {
		c.expect("last request", event("shift.requested", shift(s5f), "Alicia Anderson submitted a new shift request"))
	}
	call(t, "POST", fmt.Sprintf("%s/api/schedule-periods/%d/finalize/", base, f.p), f.admin, nil, 200)
	s5r := s5f
	s5r.status, s5r.rejected = "REJECTED", "Schedule period has been finalized"
	finalized := finalizedEvent(f.p, f.adminID, 4)
	for _, c := range []*wsClient{admin, alice} {
		c.expect("finalize", event("shift.rejected", shift(s5r), "Schedule period has been finalized"), finalized)
	}
	bob.expect("finalize", finalized)
	quiet("finalize", other)

	// Nothing was left over on any socket.
	quiet("end", all...)
}

// TestWebSocketShutdownSQLite sends SIGTERM with three sockets open and a
// request in flight: the server stops accepting, the request completes, then
// the sockets get 1001, then the workers and the database stop, and serve
// exits 0 within a bound.
func TestWebSocketShutdownSQLite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	f := newWSFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var socks []*wsClient
	for _, tok := range []string{f.admin, f.alice, f.bob} {
		c, _ := dialWS(ctx, t, "socket", f.url(f.p, tok))
		socks = append(socks, c)
	}

	// A login whose handler is running and waiting for the rest of its
	// body: Expect: 100-continue makes the server say when the handler
	// starts reading it.
	body := `{"email":"admin@example.com","password":"Adm1n-Pass-2030!"}`
	raw, err := net.Dial("tcp", f.in.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(60 * time.Second))
	fmt.Fprintf(raw, "POST /api/auth/login/ HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", f.in.addr, len(body))
	br := bufio.NewReader(raw)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("waiting for 100 Continue: %q %v", line, err)
	}
	br.ReadString('\n') // the blank line ending the interim response
	raw.Write([]byte(body[:10]))

	sigAt := time.Now()
	f.in.cmd.Process.Signal(syscall.SIGTERM)

	// The listener closes: new connections are refused. (One that raced
	// with the close may be reset from the backlog; try again.)
	for {
		c, err := net.DialTimeout("tcp", f.in.addr, time.Second)
		if errors.Is(err, syscall.ECONNREFUSED) {
			break
		}
		if err == nil {
			c.Close()
		} else if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("dial after SIGTERM: %v, want connection refused", err)
		}
		if time.Since(sigAt) > 10*time.Second {
			t.Fatal("still accepting connections 10 s after SIGTERM")
		}
	}
	// The sockets stay open while a request is in flight.
	for _, c := range socks {
		c.expect("during shutdown")
	}
	// The request completes.
	raw.Write([]byte(body[10:]))
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("in-flight request: status %d", res.StatusCode)
	}
	// Then every socket gets 1001 and serve exits 0.
	for _, c := range socks {
		c.expectClosed(websocket.StatusGoingAway)
	}
	f.in.stop(t, 10*time.Second)
	t.Logf("exited %v after SIGTERM", time.Since(sigAt).Round(time.Millisecond))

	var steps []string
	for _, l := range f.in.lines() {
		if l.Msg == "River client stopped" && !slices.Contains(steps, "shutdown: websockets closed") {
			t.Errorf("the job workers stopped before the sockets were closed")
		}
		if l.Msg == "shutting down" || strings.HasPrefix(l.Msg, "shutdown: ") {
			steps = append(steps, l.Msg)
			if l.Msg == "shutdown: websockets closed" && (l.Sockets == nil || *l.Sockets != len(socks)) {
				t.Errorf("websockets closed: sockets = %v, want %d", l.Sockets, len(socks))
			}
		}
	}
	want := []string{"shutting down", "shutdown: http server stopped", "shutdown: websockets closed",
		"shutdown: realtime broker stopped", "shutdown: workers stopped", "shutdown: database closed"}
	if !reflect.DeepEqual(steps, want) {
		t.Errorf("shutdown steps %q, want %q", steps, want)
	}
}
