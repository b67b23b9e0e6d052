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
// so must anything that deactivates a user. Without Events it does
// nothing.
func (s *Service) RevokeLiveSessions(ctx context.Context, tx *sqlstore.Tx, id int64) error {
	if s.Events == nil {
		return nil
	}
	if err := s.Events.Stage(ctx, tx, pasched.Event{RevokeUserID: id}); err != nil {
		return fmt.Errorf("revoke live sessions of user %d: %w", id, err)
	}
	return nil
}
