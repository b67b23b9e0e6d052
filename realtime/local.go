package realtime

import "context"

// LocalBroker is the Broker of a single instance (the embedded SQLite
// deployment): it hands each event to the Hub once its transaction commits.
type LocalBroker struct {
	hub *Hub
}

// NewLocalBroker returns a broker that delivers to hub.
func NewLocalBroker(hub *Hub) *LocalBroker {
	return &LocalBroker{hub: hub}
}

// Stage delivers ev after tx commits, and never if it rolls back. A
// user's change (Event.UserChangedID) goes nowhere: the one process that
// made it has already dropped its cached copy.
func (b *LocalBroker) Stage(_ context.Context, tx Tx, ev Event) error {
	if ev.UserChangedID != 0 {
		return nil
	}
	tx.AfterCommit(func() { b.hub.Deliver(ev) })
	return nil
}

// Run has nothing to do: it waits for ctx to end and returns nil.
func (b *LocalBroker) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

var (
	_ Broker = (*LocalBroker)(nil)
	_ Broker = (*PGBroker)(nil)
)
