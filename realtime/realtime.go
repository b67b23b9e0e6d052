// Package realtime is the live channel of a schedule period:
// /ws/schedule/<period_id>/?token=<access JWT>, a drop-in replacement for the
// seed's Django Channels ScheduleConsumer.
//
// The pieces:
//
//   - Hub keeps the sockets of this process, grouped by period, and fans an
//     Event out to them. Deliver hands the event to the hub's dispatcher
//     goroutine and returns, so a change does not wait for the fan-out.
//     Every socket has a bounded queue; a socket whose queue is full is
//     dropped (see CloseTooSlow). Each socket's writer sends all it finds
//     queued in one write (a change's event and its coverage.alert travel
//     together).
//   - NewHandler's handler upgrades the HTTP request, authenticates the token, checks the
//     period, registers the socket with the Hub and answers the client's
//     messages (ping → pong, bad JSON → error).
//   - A Broker carries an Event from the database transaction that caused it
//     to the Hub of every instance: LocalBroker (SQLite, one process) hands it
//     to the Hub after commit; PGBroker (PostgreSQL, several instances)
//     inserts it into a table inside the transaction, NOTIFYs after commit,
//     and every instance LISTENs and reads the new rows in id order.
//
// Events are published only after commit, never for a transaction that rolled
// back, and in commit order on every socket (for LocalBroker, provided the
// caller's Tx runs AfterCommit functions in commit order). Replies to a
// socket's messages go through the dispatcher too: with LocalBroker, whose
// AfterCommit runs before the API call answers, a client that pings after a
// call returned gets the call's events before the pong.
//
// Client messages, as in the seed: {"type":"ping","timestamp":X} is answered
// {"type":"pong","timestamp":X} (X echoed as sent, null when absent); text
// that is not JSON gets {"type":"error","message":"Invalid JSON"}; other types
// are ignored. Fixed: JSON that is not an object gets
// {"type":"error","message":"Message must be a JSON object"} (the seed's
// consumer crashed); binary frames are read like text ones. The socket stays
// open in every case.
//
// A socket that has sent nothing for PingInterval is pinged; if the pong has
// not come back by the next interval the connection is cut.
//
// Close codes the client can see:
//
//	4001 CloseUnauthorized    missing, invalid or expired token (sent after the upgrade);
//	                          later, "token expired" when the token expires
//	                          (User.Expires) and "token revoked" on a
//	                          revocation event (Event.RevokeUserID)
//	4004 ClosePeriodNotFound  the period does not exist
//	1001 going away           the server is shutting down (Hub.Close)
//	1008 CloseTooSlow         the client did not keep up with its queue ("too slow")
//	1009 message too big      a client message over the read limit (4 KiB)
//	1011 internal error       the period lookup failed
//
// A client whose TCP window is full cannot receive a close frame at all: when
// it overflows while a write to it is stuck, its connection is cut without a
// close frame (the browser reports 1006).
//
// PGBroker delivers what was committed while an instance was reconnecting
// to PostgreSQL once it is back (within an hour); the seed's channel layer
// lost such events.
package realtime

import (
	"context"
	"encoding/json"
	"time"

	"github.com/coder/websocket"
)

// User is who a socket belongs to.
type User struct {
	ID    int64
	Email string
	Role  string // "ADMIN" or "PA"
	// Expires is when the token the socket was opened with expires: the
	// hub closes the socket then with CloseUnauthorized ("token expired").
	// Zero means never.
	Expires time.Time
}

// roleAdmin is the role that receives every event in full. Any other role is
// treated as a PA (least privilege).
const roleAdmin = "ADMIN"

// Event is one message for the sockets of one schedule period.
type Event struct {
	PeriodID int64
	// OwnerID is the PA whose shift the event concerns; 0 means it concerns
	// everyone.
	OwnerID int64
	// Full is the whole message as the seed sends it, e.g.
	// {"type":"shift.approved","shift":{...},"message":"..."}. It goes to
	// admins and to the owner (to every PA when OwnerID is 0).
	Full json.RawMessage
	// Public is what other PAs may see (an approved calendar entry without
	// admin_notes); nil means other PAs get nothing.
	Public json.RawMessage
	// RevokeUserID, when not 0, makes the event a revocation instead of a
	// message: every socket of that user, in every period, is closed with
	// CloseUnauthorized ("token revoked") after the messages queued before
	// it. PeriodID, OwnerID, Full and Public are then ignored and nothing is
	// sent as a message.
	RevokeUserID int64
	// UserChangedID, when not 0, makes the event the news that this user's
	// row changed (pasched.Event.UserChangedID): it is handed to the
	// broker's OnUserChanged, never to a Hub, so no socket ever receives
	// it. The other fields are then ignored.
	UserChangedID int64
}

// Tx is the part of the caller's database transaction that a broker needs.
type Tx interface {
	// ExecAtCommit runs a write that nothing later in the transaction
	// reads (an event's row), at the latest just before the commit
	// (sqlstore.Tx.ExecAtCommit).
	ExecAtCommit(ctx context.Context, query string, args ...any) error
	// AfterCommit registers fn to run once the transaction has committed
	// (never when it rolls back).
	AfterCommit(fn func())
}

// Broker carries events from the transaction that caused them to every
// instance's Hub.
type Broker interface {
	// Stage is called inside the transaction; the event is delivered only if
	// and when the transaction commits.
	Stage(ctx context.Context, tx Tx, ev Event) error
	// Run delivers to the local Hub until ctx ends, then returns nil.
	Run(ctx context.Context) error
}

// Close codes used by this package besides the standard ones
// (websocket.StatusGoingAway on shutdown, websocket.StatusInternalError when
// the period lookup fails).
const (
	// CloseUnauthorized: no token, or one that Authenticate refused (the
	// seed's 4001).
	CloseUnauthorized websocket.StatusCode = 4001
	// ClosePeriodNotFound: the period in the path does not exist.
	ClosePeriodNotFound websocket.StatusCode = 4004
	// CloseTooSlow: the socket's queue overflowed (policy violation).
	CloseTooSlow = websocket.StatusPolicyViolation
)

// Texts of the "error" replies to client messages. ErrorInvalidJSON is the
// seed's text; the seed crashes on JSON that is not an object, we answer
// ErrorNotObject and keep the socket open.
const (
	ErrorInvalidJSON = "Invalid JSON"
	ErrorNotObject   = "Message must be a JSON object"
)

// route picks what user u receives of ev: nil means nothing.
func route(u *User, ev *Event, full, public *[]byte) *[]byte {
	if u.Role == roleAdmin || ev.OwnerID == 0 || ev.OwnerID == u.ID {
		return full
	}
	return public
}
