package pasched

import (
	"strings"
	"time"
)

// Roles a user can have.
const (
	RoleAdmin = "ADMIN"
	RolePA    = "PA"
)

// User is an account: the employer (admin) or a Personal Assistant.
// Email is the login, stored lower-case.
type User struct {
	ID              int64
	Email           string
	Username        string
	FirstName       string
	LastName        string
	PhoneNumber     string
	Role            string
	IsEmailVerified bool
	IsActive        bool
	IsStaff         bool
	IsSuperuser     bool
	PasswordHash    string
	DateJoined      time.Time
	LastLogin       *time.Time
	// TokensValidAfter refuses every JWT issued (iat) before it: set by a
	// password reset so that earlier sessions end.
	TokensValidAfter *time.Time
}

// FullName is Django's get_full_name: f"{first} {last}".strip().
func FullName(first, last string) string {
	return strings.TrimSpace(first + " " + last)
}

// FullName is the user's full name (Django's get_full_name).
func (u *User) FullName() string { return FullName(u.FirstName, u.LastName) }

// DisplayName is the full name, or the email when there is none
// (the seed's `user.get_full_name() or user.email`).
func (u *User) DisplayName() string {
	if n := u.FullName(); n != "" {
		return n
	}
	return u.Email
}

// IsAdmin reports whether u runs the rota.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// NewUser is what registration and createadmin insert.
type NewUser struct {
	Email, Username, FirstName, LastName, PhoneNumber string
	Role                                              string
	PasswordHash                                      string
	IsEmailVerified, IsStaff, IsSuperuser             bool
}

// ProfileUpdate is what a user may change about themselves (SPEC §3 item 11).
type ProfileUpdate struct {
	FirstName, LastName, PhoneNumber *string
}

// PAProfile holds a PA's preferences and weekly limit.
type PAProfile struct {
	UserID             int64
	PreferredStartTime *string
	PreferredEndTime   *string
	PreferredDays      []string
	MaxHoursPerWeek    int
	Notes              string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// DefaultMaxHoursPerWeek is the seed's default weekly limit.
const DefaultMaxHoursPerWeek = 40
