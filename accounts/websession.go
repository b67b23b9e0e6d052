package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"pasched"
	"pasched/jobs"
	"pasched/mail"
	"pasched/sqlstore"
	"pasched/token"
)

// Web session lifetimes when the Service leaves them zero. A PA on a phone
// between visits should not sign in every day, yet a lost phone must not
// stay signed in for ever: a week without use ends a session, and none
// lives past thirty days.
const (
	DefaultWebSessionIdle = 7 * 24 * time.Hour
	DefaultWebSessionMax  = 30 * 24 * time.Hour
	// webSessionTouchEvery bounds the writes of a busy session: its last
	// use (and idle expiry) is recorded at most this often.
	webSessionTouchEvery = time.Minute
	// SocketTokenLifetime is how long the access token handed to a web page
	// for the live channel lives; the socket closes (4001) when it expires
	// and the page fetches a new one.
	SocketTokenLifetime = 15 * time.Minute
	// maxUserAgent bounds what is kept of a User-Agent header.
	maxUserAgent = 256
)

// WebSession is a signed-in browser: the secret for its cookie (only
// returned when it is created) and its stored row.
type WebSession struct {
	Token string
	*sqlstore.WebSession
}

// ErrNoWebSession is a missing, unknown, expired or revoked session, or one
// whose user may no longer sign in.
var ErrNoWebSession = pasched.Errorf(pasched.EUNAUTHORIZED, "not signed in")

func hashWebToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func (s *Service) webIdle() time.Duration {
	if s.WebSessionIdle > 0 {
		return s.WebSessionIdle
	}
	return DefaultWebSessionIdle
}

func (s *Service) webMax() time.Duration {
	if s.WebSessionMax > 0 {
		return s.WebSessionMax
	}
	return DefaultWebSessionMax
}

// ClientInfo is what a session records about the browser that opened it.
type ClientInfo struct{ UserAgent, IP string }

// SignIn checks credentials as Login does (same failure, same time for an
// unknown email) and opens a web session with a new random token. The
// caller drops any session the browser had before (a new id at sign-in).
func (s *Service) SignIn(ctx context.Context, email, plain string, ci ClientInfo) (*pasched.User, *WebSession, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := sqlstore.FindUserByEmail(ctx, s.DB, email)
	if err != nil && pasched.ErrorCode(err) == pasched.ENOTFOUND {
		if err := s.dummy(ctx, plain); err != nil {
			return nil, nil, err
		}
		return nil, nil, errBadCredentials
	}
	if err != nil {
		return nil, nil, err
	}
	ok, rehash, err := s.verify(ctx, plain, u.PasswordHash)
	if err != nil && ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	if !ok || !u.IsActive {
		return nil, nil, errBadCredentials
	}
	newHash := ""
	if rehash {
		if newHash, err = s.hash(ctx, plain); err != nil {
			return nil, nil, err
		}
	}
	var ws *WebSession
	err = s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.SetLastLogin(ctx, tx, u.ID, newHash); err != nil {
			return err
		}
		if err := s.userChanged(ctx, tx, u.ID); err != nil {
			return err
		}
		var err error
		ws, err = s.startWebSession(ctx, tx, u.ID, ci)
		return err
	})
	s.cache().forget(u.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("sign in: %w", err)
	}
	return u, ws, nil
}

// startWebSession stores a new session of user id in tx.
func (s *Service) startWebSession(ctx context.Context, tx *sqlstore.Tx, userID int64, ci ClientInfo) (*WebSession, error) {
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	ua := ci.UserAgent
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	row := &sqlstore.WebSession{UserID: userID, TokenHash: hashWebToken(tok), CreatedAt: tx.Now, LastSeenAt: tx.Now,
		IdleExpiresAt: tx.Now.Add(s.webIdle()), ExpiresAt: tx.Now.Add(s.webMax()), UserAgent: ua, IP: ci.IP}
	if row.IdleExpiresAt.After(row.ExpiresAt) {
		row.IdleExpiresAt = row.ExpiresAt
	}
	if err := sqlstore.CreateWebSession(ctx, tx, row); err != nil {
		return nil, err
	}
	return &WebSession{Token: tok, WebSession: row}, nil
}

// WebSessionUser resolves a session cookie's token to its live session and
// active user (ErrNoWebSession otherwise), recording the use at most once a
// minute.
func (s *Service) WebSessionUser(ctx context.Context, tok string) (*pasched.User, *sqlstore.WebSession, error) {
	if tok == "" || len(tok) > 128 {
		return nil, nil, ErrNoWebSession
	}
	ws, u, err := sqlstore.FindWebSession(ctx, s.DB, hashWebToken(tok))
	if pasched.ErrorCode(err) == pasched.ENOTFOUND {
		return nil, nil, ErrNoWebSession
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.DB.Now()
	if !ws.Live(now) || !u.IsActive {
		return nil, nil, ErrNoWebSession
	}
	if now.Sub(ws.LastSeenAt) >= webSessionTouchEvery {
		idle := now.Add(s.webIdle())
		if idle.After(ws.ExpiresAt) {
			idle = ws.ExpiresAt
		}
		if err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			return sqlstore.TouchWebSession(ctx, tx, ws.ID, now, idle)
		}); err != nil {
			return nil, nil, err
		}
		ws.LastSeenAt, ws.IdleExpiresAt = now, idle
	}
	return u, ws, nil
}

// SignOut ends the session of tok (nothing when there is none).
func (s *Service) SignOut(ctx context.Context, tok string) error {
	if tok == "" {
		return nil
	}
	return s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		return sqlstore.DeleteWebSession(ctx, tx, hashWebToken(tok))
	})
}

// SignOutEverywhere ends every web session of user id but the one with
// keepID (0: all of them) and closes the user's live sockets. It returns
// how many sessions ended.
func (s *Service) SignOutEverywhere(ctx context.Context, userID, keepID int64) (int64, error) {
	var n int64
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if n, err = sqlstore.DeleteUserWebSessions(ctx, tx, userID, keepID); err != nil {
			return err
		}
		return s.RevokeLiveSessions(ctx, tx, userID)
	})
	return n, err
}

// WebSessions lists the user's live sessions, latest use first.
func (s *Service) WebSessions(ctx context.Context, userID int64) ([]*sqlstore.WebSession, error) {
	return sqlstore.ListWebSessions(ctx, s.DB, userID, s.DB.Now())
}

// SocketToken is a short-lived access token for u's web page to open the
// live channel with (the socket authenticates JWTs as the API does).
func (s *Service) SocketToken(u *pasched.User) (string, time.Time, error) {
	now := issueTime(u, s.DB.Now())
	c := token.Claims{TokenType: token.Access, Iat: now.Unix(), Exp: now.Add(SocketTokenLifetime).Unix(),
		JTI: strings.ReplaceAll(uuid.NewString(), "-", ""), UserID: token.UserID(u.ID)}
	raw, err := s.Signer.Sign(c)
	return raw, c.ExpiresAt(), err
}

// ChangePassword sets the signed-in user's new password after checking the
// current one (EINVALID on "current_password" otherwise). The new one has
// passed ValidatePassword. Every other web session of the user ends, as do
// their API tokens and live sockets; the session keepID stays signed in.
func (s *Service) ChangePassword(ctx context.Context, u *pasched.User, current, plain string, keepID int64) error {
	ok, _, err := s.verify(ctx, current, u.PasswordHash)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if !ok {
		return pasched.Invalid("current_password", "Your current password is not correct.")
	}
	hash, err := s.hash(ctx, plain)
	if err != nil {
		return err
	}
	defer s.cache().forget(u.ID)
	return s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.SetPassword(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if err := sqlstore.BlacklistAllForUser(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := sqlstore.SetTokensValidAfter(ctx, tx, u.ID, tx.Now); err != nil {
			return err
		}
		if _, err := sqlstore.DeleteUserWebSessions(ctx, tx, u.ID, keepID); err != nil {
			return err
		}
		// The revocation also tells every instance's user cache.
		return s.RevokeLiveSessions(ctx, tx, u.ID)
	})
}

// SignUpTaken answers a web sign-up with an address that already has an
// account without telling the visitor so: it spends the hashing time a new
// account would, and emails the address's owner instead (signInURL and
// forgotURL are the web app's pages).
func (s *Service) SignUpTaken(ctx context.Context, email, signInURL, forgotURL string) error {
	if err := s.dummy(ctx, email); err != nil {
		return err
	}
	m := mail.Message{To: []string{strings.ToLower(email)}, Subject: "Your PA Scheduling account",
		Text: "Hello,\n\nSomeone, perhaps you, tried to create an account on PA Scheduling with this email address. " +
			"You already have an account.\n\nSign in: " + signInURL + "\n\nForgotten your password? Choose a new one: " + forgotURL +
			"\n\nIf this was not you, you can ignore this email: nothing has changed.\n"}
	return s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		return jobs.EnqueueEmail(ctx, s.Jobs, tx, m, fmt.Sprintf("signup_taken:%d", tx.Now.UnixNano()))
	})
}
