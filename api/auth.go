package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"pasched"
	"pasched/accounts"
	"pasched/api/wire"
)

func (s *Server) authRoutes() {
	s.describe("/api/auth/register/", viewMeta{Name: "Register",
		Description: "POST: Register a new PA user\nCreates user and sends verification email", Actions: registerActions})
	s.describe("/api/auth/verify-email/", viewMeta{Name: "Verify Email", Description: "POST: Verify email with token"})
	s.describe("/api/auth/login/", viewMeta{Name: "Login",
		Description: "POST: Login with email and password\nReturns JWT access and refresh tokens"})
	s.describe("/api/auth/refresh/", viewMeta{Name: "Refresh Token", Description: "POST: Refresh access token using refresh token"})
	s.describe("/api/auth/logout/", viewMeta{Name: "Logout", Description: "POST: Logout (blacklist refresh token)"})
	s.describe("/api/auth/password-reset/", viewMeta{Name: "Password Reset Request", Description: "POST: Request password reset email"})
	s.describe("/api/auth/password-reset-confirm/", viewMeta{Name: "Password Reset Confirm", Description: "POST: Reset password with token"})
	s.describe("/api/auth/me/", viewMeta{Name: "User Profile",
		Description: "GET: Get current user profile\nPATCH: Update current user profile", Actions: meActions})
	s.handle("/api/auth/register/", allowAny, methods{http.MethodPost: s.register})
	s.handle("/api/auth/verify-email/", allowAny, methods{http.MethodPost: s.verifyEmail})
	s.handle("/api/auth/login/", allowAny, methods{http.MethodPost: s.login})
	s.handle("/api/auth/refresh/", allowAny, methods{http.MethodPost: s.refresh})
	s.handle("/api/auth/logout/", isAuthenticated, methods{http.MethodPost: s.logout})
	s.handle("/api/auth/password-reset/", allowAny, methods{http.MethodPost: s.passwordReset})
	s.handle("/api/auth/password-reset-confirm/", allowAny, methods{http.MethodPost: s.passwordResetConfirm})
	s.handle("/api/auth/me/", isAuthenticated, methods{
		http.MethodGet:   s.me,
		http.MethodPatch: s.updateMe,
		http.MethodPut:   s.updateMe,
	})
}

// userJSON is the seed's UserSerializer.
type userJSON struct {
	ID              int64  `json:"id"`
	Email           string `json:"email"`
	Username        string `json:"username"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	PhoneNumber     string `json:"phone_number"`
	Role            string `json:"role"`
	IsEmailVerified bool   `json:"is_email_verified"`
	DateJoined      string `json:"date_joined"`
}

func newUserJSON(u *pasched.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName,
		PhoneNumber: u.PhoneNumber, Role: u.Role, IsEmailVerified: u.IsEmailVerified, DateJoined: wire.FormatDateTime(u.DateJoined)}
}

// registerActions and meActions are DRF's OPTIONS description of the
// serializers (me's with SPEC §3 item 11: only three fields are writable).
var (
	registerActions = json.RawMessage(`{"POST":{` +
		`"email":{"type":"email","required":true,"read_only":false,"label":"Email","max_length":254},` +
		`"username":{"type":"string","required":true,"read_only":false,"label":"Username","help_text":"Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.","max_length":150},` +
		`"password":{"type":"string","required":true,"read_only":false,"label":"Password"},` +
		`"password_confirm":{"type":"string","required":true,"read_only":false,"label":"Password confirm"},` +
		`"first_name":{"type":"string","required":false,"read_only":false,"label":"First name","max_length":150},` +
		`"last_name":{"type":"string","required":false,"read_only":false,"label":"Last name","max_length":150},` +
		`"phone_number":{"type":"string","required":true,"read_only":false,"label":"Phone number","max_length":20}}}`)
	meActions = json.RawMessage(`{"PUT":{` +
		`"id":{"type":"integer","required":false,"read_only":true,"label":"ID"},` +
		`"email":{"type":"email","required":false,"read_only":true,"label":"Email"},` +
		`"username":{"type":"string","required":false,"read_only":true,"label":"Username","help_text":"Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."},` +
		`"first_name":{"type":"string","required":false,"read_only":false,"label":"First name","max_length":150},` +
		`"last_name":{"type":"string","required":false,"read_only":false,"label":"Last name","max_length":150},` +
		`"phone_number":{"type":"string","required":true,"read_only":false,"label":"Phone number","max_length":20},` +
		`"role":{"type":"choice","required":false,"read_only":true,"label":"Role"},` +
		`"is_email_verified":{"type":"boolean","required":false,"read_only":true,"label":"Is email verified"},` +
		`"date_joined":{"type":"datetime","required":false,"read_only":true,"label":"Date joined"}}}`)
)

// registerFields is RegisterSerializer's field order.
var registerFields = []string{"email", "username", "password", "password_confirm", "first_name", "last_name", "phone_number"}

// The serializers' own field validators: DRF runs them before CharField's.
var (
	usernameValidators = []func(string) []string{accounts.ValidateUsername}
	passwordValidators = []func(string) []string{accounts.ValidatePassword}
)

type messageUser struct {
	Message string   `json:"message"`
	User    userJSON `json:"user"`
}

type message struct {
	Message string `json:"message"`
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	if !s.throttle(w, "register_ip", clientIP(r)) {
		return
	}
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	in := accounts.RegisterInput{
		Email:           f.email("email", true),
		Username:        f.str("username", strOpts{required: true, maxLen: 150, validators: usernameValidators}),
		Password:        f.str("password", strOpts{required: true, validators: passwordValidators}),
		PasswordConfirm: f.str("password_confirm", strOpts{required: true}),
		FirstName:       f.str("first_name", strOpts{allowBlank: true, maxLen: 150}),
		LastName:        f.str("last_name", strOpts{allowBlank: true, maxLen: 150}),
		PhoneNumber:     f.str("phone_number", strOpts{required: true, maxLen: 20}),
	}
	if in.Email != nil && !s.throttle(w, "register_account", strings.ToLower(*in.Email)) {
		return
	}
	if !f.fe.Empty() {
		// DRF validates every field before it answers: the use case's
		// checks of the fields that did decode join decoding's errors.
		err := s.Accounts.CheckRegistration(r.Context(), in)
		writeError(w, r, drfFields(&f.fe, err, registerFields...))
		return
	}
	u, err := s.Accounts.Register(r.Context(), in)
	if err != nil {
		writeError(w, r, drfFields(nil, err, registerFields...))
		return
	}
	writeJSON(w, http.StatusCreated, messageUser{"Registration successful. Please check your email to verify your account.", newUserJSON(u)})
}

func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) {
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tok := f.uuid("token")
	if err := f.fe.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	u, err := s.Accounts.VerifyEmail(r.Context(), *tok)
	if err != nil {
		writeError(w, r, asViewError(err, pasched.EINVALID))
		return
	}
	writeJSON(w, http.StatusOK, messageUser{"Email verified successfully. You can now log in.", newUserJSON(u)})
}

type loginResponse struct {
	Message string   `json:"message"`
	User    userJSON `json:"user"`
	Tokens  struct {
		Refresh string `json:"refresh"`
		Access  string `json:"access"`
	} `json:"tokens"`
}

// emailForm is the start of the views throttled by client IP and then by
// account (scope "login", "reset"): the IP's throttle, the body, its
// email, then more (the view's other fields, read in DRF's order), then
// the account's throttle. ok is false when the answer has been written.
func (s *Server) emailForm(w http.ResponseWriter, r *http.Request, scope string, more func(*form)) (email string, ok bool) {
	if !s.throttle(w, scope+"_ip", clientIP(r)) {
		return "", false
	}
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return "", false
	}
	e := f.plainEmail("email")
	if more != nil {
		more(f)
	}
	if err := f.fe.Err(); err != nil {
		writeError(w, r, err)
		return "", false
	}
	if !s.throttle(w, scope+"_account", strings.ToLower(*e)) {
		return "", false
	}
	return *e, true
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var pw *string
	email, ok := s.emailForm(w, r, "login", func(f *form) { pw = f.str("password", strOpts{required: true}) })
	if !ok {
		return
	}
	res, err := s.Accounts.Login(r.Context(), email, *pw)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var out loginResponse
	out.Message = "Login successful."
	out.User = newUserJSON(res.User)
	out.Tokens.Refresh = res.Tokens.Refresh
	out.Tokens.Access = res.Tokens.Access
	writeJSON(w, http.StatusOK, out)
}

// rawToken reads the seed's request.data.get('refresh'): a value Python
// finds false (absent, null, "", 0, false, [], {}) is "", another
// non-string is a value no token can match.
func rawToken(f *form, name string) string {
	v, ok := f.m[name]
	if !ok {
		return ""
	}
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return notAToken
	}
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		if !t {
			return ""
		}
	case float64:
		if t == 0 {
			return ""
		}
	case []any:
		if len(t) == 0 {
			return ""
		}
	case map[string]any:
		if len(t) == 0 {
			return ""
		}
	}
	return notAToken
}

// notAToken stands for a truthy non-string: no token matches it.
const notAToken = "\x00not-a-token"

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	raw := rawToken(f, "refresh")
	if raw == "" {
		writeError(w, r, newViewError(pasched.EINVALID, "Refresh token is required."))
		return
	}
	access, err := s.Accounts.Refresh(r.Context(), raw)
	if err != nil {
		writeError(w, r, asViewError(err, pasched.EUNAUTHORIZED))
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Access string `json:"access"`
	}{access})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Accounts.Logout(r.Context(), userFrom(r), rawToken(f, "refresh")); err != nil {
		writeError(w, r, asViewError(err, pasched.EINVALID))
		return
	}
	writeJSON(w, http.StatusOK, message{"Logout successful."})
}

// resetRequested is the one answer to a reset request, whether or not the
// email has an account.
const resetRequested = "If that email exists, a password reset link has been sent."

func (s *Server) passwordReset(w http.ResponseWriter, r *http.Request) {
	email, ok := s.emailForm(w, r, "reset", nil)
	if !ok {
		return
	}
	if err := s.Accounts.RequestPasswordReset(r.Context(), email); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, message{resetRequested})
}

func (s *Server) passwordResetConfirm(w http.ResponseWriter, r *http.Request) {
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tok := f.uuid("token")
	pw := f.str("password", strOpts{required: true, validators: passwordValidators})
	confirm := f.str("password_confirm", strOpts{required: true})
	if err := f.fe.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	if *pw != *confirm {
		writeError(w, r, pasched.Invalid("password", "Password fields didn't match."))
		return
	}
	if err := s.Accounts.ConfirmPasswordReset(r.Context(), *tok, *pw); err != nil {
		writeError(w, r, asViewError(err, pasched.EINVALID))
		return
	}
	writeJSON(w, http.StatusOK, message{"Password reset successful. You can now log in with your new password."})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, newUserJSON(userFrom(r)))
}

// profileJSON is the seed's UserProfileUpdateSerializer.
type profileJSON struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	PhoneNumber string `json:"phone_number"`
}

// updateMe changes only first_name, last_name and phone_number (SPEC §3
// item 11); other fields in the body are ignored, as DRF ignores read-only
// and unknown fields. PATCH answers the three fields, PUT the whole user
// (the serializers the seed uses for each).
func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) {
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	f.partial = r.Method == http.MethodPatch
	up := pasched.ProfileUpdate{
		FirstName:   f.str("first_name", strOpts{allowBlank: true, maxLen: 150}),
		LastName:    f.str("last_name", strOpts{allowBlank: true, maxLen: 150}),
		PhoneNumber: f.str("phone_number", strOpts{required: true, maxLen: 20}),
	}
	if err := f.fe.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	u, err := s.Accounts.UpdateProfile(r.Context(), userFrom(r).ID, up)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if r.Method == http.MethodPut {
		writeJSON(w, http.StatusOK, newUserJSON(u))
		return
	}
	writeJSON(w, http.StatusOK, profileJSON{u.FirstName, u.LastName, u.PhoneNumber})
}
