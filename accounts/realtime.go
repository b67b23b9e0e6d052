package accounts

import (
	"context"
	"fmt"

	"pasched/realtime"
	"pasched/sqlstore"
)

// RevokeLiveSessions stages, in tx, the closing of every open live-channel
// socket of user id on every instance (realtime.Event.RevokeUserID): the
// sockets close with 4001 once tx commits, never if it rolls back. REST
// refuses the user's earlier tokens by other means (tokens_valid_after,
// is_active); this makes the sockets follow. ConfirmPasswordReset calls it;
// so must anything that deactivates a user. Without a Broker it does
// nothing.
func (s *Service) RevokeLiveSessions(ctx context.Context, tx *sqlstore.Tx, id int64) error {
	if s.Broker == nil {
		return nil
	}
	if err := s.Broker.Stage(ctx, tx, realtime.Event{RevokeUserID: id}); err != nil {
		return fmt.Errorf("revoke live sessions of user %d: %w", id, err)
	}
	return nil
}
