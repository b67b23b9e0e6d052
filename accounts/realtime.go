package accounts

import (
	"context"
	"fmt"

	"pasched"
	"pasched/sqlstore"
)

// RevokeLiveSessions stages, in tx, the closing of every open live-channel
// socket of user id on every instance (pasched.Event.RevokeUserID): the
// sockets close with 4001 once tx commits, never if it rolls back. REST
// refuses the user's earlier tokens by other means (tokens_valid_after,
// is_active); this makes the sockets follow. ConfirmPasswordReset calls it;
// so must anything that deactivates a user. A revocation is also a change
// of the user for every instance's user cache (realtime.PGBrokerOpts
// OnUserChanged), so a change staged with it needs no userChanged. Without
// Events it does nothing.
func (s *Service) RevokeLiveSessions(ctx context.Context, tx *sqlstore.Tx, id int64) error {
	if s.Events == nil {
		return nil
	}
	if err := s.Events.Stage(ctx, tx, pasched.Event{RevokeUserID: id}); err != nil {
		return fmt.Errorf("revoke live sessions of user %d: %w", id, err)
	}
	return nil
}

// userChanged stages, in tx, the news that user id's row changes with tx
// (pasched.Event.UserChangedID), so that every instance that keeps users
// in memory drops its copy once tx commits. Every change the Service makes
// to an existing user calls it, or RevokeLiveSessions (password change and
// reset, deactivation); this instance forgets the user itself
// after the commit. A user just created needs none: no cache holds a row
// that did not exist. Without Events it does nothing.
func (s *Service) userChanged(ctx context.Context, tx *sqlstore.Tx, id int64) error {
	if s.Events == nil {
		return nil
	}
	if err := s.Events.Stage(ctx, tx, pasched.Event{UserChangedID: id}); err != nil {
		return fmt.Errorf("announce change of user %d: %w", id, err)
	}
	return nil
}
