package web

import (
	"html/template"
	"net/http"
	"time"

	"pasched"
)

// View is what every page template gets: the page's own Data, and what the
// layout needs, filled in by complete.
type View struct {
	// Title names the page: the <title> is "Title – pasched" and pages use
	// it as their one h1 unless they say otherwise.
	Title string
	// Nav is the key of the navigation entry this page belongs to, marked
	// aria-current="page".
	Nav string
	// Form is the page's form: typed values and field errors.
	Form *Form
	// Data is the page's own view model.
	Data any
	// Live turns on the live channel for the page (signed-in pages that show
	// shifts).
	Live bool
	// LivePeriods are the periods whose live events the page listens to,
	// space-separated.
	LivePeriods string
	// LiveAll announces every new request in the live region, not only
	// the user's own changes (the admin's approval queue).
	LiveAll bool
	// Fragment is the page's main content already rendered (page
	// "fragment"), for pages that keep their rendering between requests.
	Fragment template.HTML

	// Filled in by complete:
	User *pasched.User
	// Flash is a one-time confirmation carried over a redirect.
	Flash string
	// IncidentID names a server error in the log (error page only).
	IncidentID string
	Year       int
}

// newView starts a View for r.
func newView(title, nav string) *View { return &View{Title: title, Nav: nav} }

// complete adds what every page needs.
func (s *Server) complete(w http.ResponseWriter, r *http.Request, v *View) {
	v.User = userOf(r)
	if v.Form == nil {
		v.Form = &Form{}
	}
	if v.Flash == "" {
		v.Flash = s.takeFlash(w, r)
	}
	v.Year = time.Now().Year()
}

// Flash messages are carried over a redirect by key in a short cookie, so
// no visitor-written text ever reaches a page through it.
var flashes = map[string]string{
	"signed-in":           "You are signed in.",
	"signed-out":          "You are signed out.",
	"signed-up":           "Thank you. We have sent you an email: open the link in it to confirm your address, then sign in.",
	"verified":            "Your email address is confirmed. You can sign in now.",
	"reset-sent":          "If an account uses that address, we have sent it an email with a link to choose a new password.",
	"reset-done":          "Your password is changed. Every device that was signed in has been signed out. Sign in with your new password.",
	"setup-done":          "Setup is finished. Sign in with the email and password you chose.",
	"requested":           "Your shift request is sent. It is pending until the rota manager approves it.",
	"request-updated":     "Your shift request is changed.",
	"request-canceled":    "Your shift request is cancelled.",
	"profile-saved":       "Your details are saved.",
	"password-changed":    "Your password is changed. Your other devices have been signed out.",
	"signed-out-all":      "You are signed out on every device, this one too.",
	"notifications-saved": "Your notification settings are saved.",
	"feed-rotated":        "Your calendar addresses are replaced. The old ones no longer work.",
	// The console's.
	"approved":           "The request is approved. The PA has been emailed.",
	"rejected":           "The request is rejected. The PA has been emailed the reason.",
	"period-created":     "The period is created.",
	"period-saved":       "The period is saved.",
	"period-locked":      "The period is locked: PAs cannot ask for shifts in it until you unlock it.",
	"period-unlocked":    "The period is open for requests again.",
	"period-finalized":   "The period is finalised. Every PA has been emailed.",
	"shift-created":      "The shift is created and approved. The PA can see it in their calendar.",
	"shift-saved":        "The shift is saved.",
	"shift-deleted":      "The shift is deleted.",
	"person-added":       "The person is added. They have been emailed a link to choose their password.",
	"person-deactivated": "The account is deactivated. They have been signed out everywhere.",
	"person-reactivated": "The account is active again. They can sign in with their password.",
	"verification-sent":  "A new link to confirm their email address has been sent.",
	"profile-updated":    "The PA's profile is saved.",
	"offer-sent":         "The offer is sent. The first PA to accept gets the shift.",
	"job-retried":        "The job will run again shortly.",
	"preferences-saved":  "Your working preferences are saved.",
	"stats-updated":      "The working pattern is worked out again.",
	"job-cancelled":      "The job is cancelled.",
}

const flashCookie = "pasched_flash"

// redirectFlash redirects (303) to loc with a flash message key.
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, loc, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, loc, http.StatusSeeOther)
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	return flashes[c.Value]
}
