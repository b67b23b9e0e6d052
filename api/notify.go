package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"pasched"
	"pasched/notify"
)

// notifyRoutes are issue 14's: a user's notification settings and feed
// URLs (JSON, signed in), the feeds themselves (secret URL, no sign-in)
// and the one-click unsubscribe (signed link, no sign-in).
func (s *Server) notifyRoutes() {
	s.handle("/api/notifications/settings/", isAuthenticated, methods{
		http.MethodGet: s.getNotifySettings, http.MethodPut: s.putNotifySettings, http.MethodPatch: s.putNotifySettings})
	s.handle("/api/feeds/", isAuthenticated, methods{http.MethodGet: s.getFeeds})
	s.handle("/api/feeds/rotate/", isAuthenticated, methods{http.MethodPost: s.rotateFeeds})
	s.mux.HandleFunc("GET /feeds/{file}", s.serveFeed)
	s.mux.HandleFunc("GET /feeds/{secret}/gaps.ics", s.serveFeed)
	s.mux.HandleFunc("GET /unsubscribe/{token}", s.unsubscribePage)
	s.mux.HandleFunc("POST /unsubscribe/{token}", s.unsubscribe)
}

// quietJSON is a stretch of quiet hours.
type quietJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// notifySettingsJSON is the settings body of GET, PUT and PATCH.
type notifySettingsJSON struct {
	// Email maps each kind the user receives to whether it is emailed.
	Email               map[string]bool `json:"email"`
	QuietHours          *quietJSON      `json:"quiet_hours"`
	ReminderLeadHours   int             `json:"reminder_lead_hours"`
	ReminderLeadChoices []int           `json:"reminder_lead_choices"`
	FeedIncludePending  bool            `json:"feed_include_pending"`
	// TimeZone is TIME_ZONE, the clock of quiet hours.
	TimeZone string `json:"time_zone"`
}

func (s *Server) settingsJSON(u *pasched.User, st *pasched.NotificationSettings) notifySettingsJSON {
	out := notifySettingsJSON{Email: map[string]bool{}, ReminderLeadHours: st.ReminderLeadHours,
		ReminderLeadChoices: pasched.ReminderLeads, FeedIncludePending: st.FeedIncludePending, TimeZone: "UTC"}
	for _, k := range pasched.KindsFor(u.Role) {
		out.Email[k.Name] = st.Wants(k.Name)
	}
	if q := st.Quiet; q != nil {
		out.QuietHours = &quietJSON{Start: pasched.FormatClockMinutes(q.Start), End: pasched.FormatClockMinutes(q.End)}
	}
	if l := s.Notify.Location; l != nil {
		out.TimeZone = l.String()
	}
	return out
}

func (s *Server) getNotifySettings(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	st, err := s.Notify.Settings(r.Context(), u)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.settingsJSON(u, st))
}

func (s *Server) putNotifySettings(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	up, err := decodeSettingsUpdate(f.m)
	if err != nil {
		writeError(w, r, err)
		return
	}
	st, err := s.Notify.UpdateSettings(r.Context(), u, up)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.settingsJSON(u, st))
}

// decodeSettingsUpdate reads a settings change: every field optional,
// "quiet_hours": null clears them. Unknown fields are ignored, as DRF does.
func decodeSettingsUpdate(m map[string]json.RawMessage) (notify.SettingsUpdate, error) {
	var (
		up notify.SettingsUpdate
		fe pasched.FieldErrors
	)
	if raw, ok := m["email"]; ok {
		var kinds map[string]json.RawMessage
		if err := json.Unmarshal(raw, &kinds); err != nil || kinds == nil {
			fe.Add("email", `Expected an object of kinds, such as {"shift_approved": false}.`)
		} else {
			up.Email = map[string]bool{}
			names := make([]string, 0, len(kinds))
			for k := range kinds {
				names = append(names, k)
			}
			slices.Sort(names)
			for _, k := range names {
				on, ok := strictBool(kinds[k])
				switch {
				case !pasched.ValidNotifyKind(k):
					fe.Add("email", fmt.Sprintf("%q is not a kind of notification.", k))
				case !ok:
					fe.Add("email", fmt.Sprintf("%q must be true or false.", k))
				default:
					up.Email[k] = on
				}
			}
		}
	}
	if raw, ok := m["quiet_hours"]; ok {
		up.QuietSet = true
		if string(bytes.TrimSpace(raw)) != "null" {
			var q struct {
				Start *string `json:"start"`
				End   *string `json:"end"`
			}
			if err := json.Unmarshal(raw, &q); err != nil || q.Start == nil || q.End == nil {
				fe.Add("quiet_hours", `Expected {"start": "HH:MM", "end": "HH:MM"}, or null for none.`)
			} else {
				start, err1 := pasched.ParseClockMinutes(*q.Start)
				end, err2 := pasched.ParseClockMinutes(*q.End)
				if err1 != nil || err2 != nil {
					fe.Add("quiet_hours", "Times must be written HH:MM, such as 22:00.")
				} else {
					up.Quiet = &pasched.QuietHours{Start: start, End: end}
				}
			}
		}
	}
	if raw, ok := m["reminder_lead_hours"]; ok {
		var n int
		if err := json.Unmarshal(raw, &n); err != nil {
			fe.Add("reminder_lead_hours", "A valid integer is required.")
		} else {
			up.ReminderLeadHours = &n
		}
	}
	if raw, ok := m["feed_include_pending"]; ok {
		if v, ok := strictBool(raw); ok {
			up.FeedIncludePending = &v
		} else {
			fe.Add("feed_include_pending", "Must be a valid boolean.")
		}
	}
	return up, fe.Err()
}

// strictBool reads a JSON true or false.
func strictBool(raw json.RawMessage) (bool, bool) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// feedsJSON is the answer of /api/feeds/ and its rotation.
type feedsJSON struct {
	ShiftsURL string `json:"shifts_url"`
	// GapsURL is the admins' feed of uncovered critical windows.
	GapsURL string `json:"gaps_url,omitempty"`
}

func (s *Server) getFeeds(w http.ResponseWriter, r *http.Request) {
	writeFeeds(w, r, s.Notify.FeedURLs)
}

func (s *Server) rotateFeeds(w http.ResponseWriter, r *http.Request) {
	writeFeeds(w, r, s.Notify.RotateFeed)
}

// writeFeeds answers with the user's feeds as get returns them.
func writeFeeds(w http.ResponseWriter, r *http.Request, get func(context.Context, *pasched.User) (notify.Feeds, error)) {
	f, err := get(r.Context(), userFrom(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, feedsJSON{ShiftsURL: f.Shifts, GapsURL: f.Gaps})
}

// serveFeed answers GET /feeds/{secret}.ics (a user's shifts; ?pending=1 or
// 0 overrides their choice of showing pending requests) and
// /feeds/{secret}/gaps.ics, with ETag and Last-Modified validation so
// polling calendars mostly get 304.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request) {
	which, secret := notify.FeedGaps, r.PathValue("secret")
	if file := r.PathValue("file"); file != "" {
		var ok bool
		if secret, ok = strings.CutSuffix(file, ".ics"); !ok {
			plainError(w, http.StatusNotFound, "Not found.")
			return
		}
		which = notify.FeedShifts
	}
	var pending *bool
	if v, ok := r.URL.Query()["pending"]; ok {
		b, err := strconv.ParseBool(v[len(v)-1])
		if err != nil {
			plainError(w, http.StatusBadRequest, "pending must be 1 or 0 (true or false).")
			return
		}
		pending = &b
	}
	doc, err := s.Notify.Feed(r.Context(), secret, which, pending)
	if err != nil {
		if pasched.ErrorCode(err) == pasched.ENOTFOUND {
			plainError(w, http.StatusNotFound, "Not found.")
			return
		}
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", doc.ETag)
	h.Set("Last-Modified", doc.LastModified.UTC().Format(http.TimeFormat))
	// Calendars may keep it but must ask again; the URL is a secret.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Robots-Tag", "noindex")
	if notModified(r, doc) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(doc.Body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(doc.Body)
	}
}

// notModified applies RFC 9110 §13.2.2: If-None-Match when sent (weak
// comparison), else If-Modified-Since.
func notModified(r *http.Request, doc *notify.FeedDoc) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == doc.ETag {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil && !doc.LastModified.After(t) {
			return true
		}
	}
	return false
}

func plainError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// unsubscribeTmpl is the page behind an email's unsubscribe link: a
// confirmation with one button (a GET never unsubscribes: mail scanners
// follow links), then the outcome.
var unsubscribeTmpl = template.Must(template.New("unsubscribe").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}} – PA Scheduling</title>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{if .Done}}<p role="status">You will no longer get “{{.Kind}}” emails. You can turn them back on at any time in the notification settings of your profile.</p>
{{else if .Kind}}<p>You will no longer get “{{.Kind}}” emails. Other emails, and emails about your account, are not affected.</p>
<form method="post"><button type="submit">Unsubscribe from “{{.Kind}}” emails</button></form>
{{else}}<p>This unsubscribe link is not valid. To change which emails you get, sign in and open the notification settings of your profile.</p>
{{end}}</main>
</body>
</html>
`))

type unsubscribePageData struct {
	Title, Kind string
	Done        bool
}

func writeUnsubscribePage(w http.ResponseWriter, status int, d unsubscribePageData) {
	var b bytes.Buffer
	if err := unsubscribeTmpl.Execute(&b, d); err != nil {
		plainError(w, http.StatusInternalServerError, "A server error occurred.")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// unsubscribeRefused answers a token the use case refused: a page saying
// the link is not valid when it names nothing, the contract's error
// otherwise.
func unsubscribeRefused(w http.ResponseWriter, r *http.Request, err error) {
	if pasched.ErrorCode(err) == pasched.ENOTFOUND {
		writeUnsubscribePage(w, http.StatusNotFound, unsubscribePageData{Title: "Link not valid"})
		return
	}
	writeError(w, r, err)
}

// unsubscribePage answers GET /unsubscribe/{token} with a confirmation.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	kind, _, err := s.Notify.CheckUnsubscribe(r.Context(), r.PathValue("token"))
	if err != nil {
		unsubscribeRefused(w, r, err)
		return
	}
	writeUnsubscribePage(w, http.StatusOK, unsubscribePageData{Title: "Unsubscribe", Kind: kind.Label})
}

// unsubscribe answers POST /unsubscribe/{token}: RFC 8058's one-click
// (body List-Unsubscribe=One-Click, sent by the mail client) and the
// confirmation page's button alike.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	kind, err := s.Notify.Unsubscribe(r.Context(), r.PathValue("token"))
	if err != nil {
		unsubscribeRefused(w, r, err)
		return
	}
	writeUnsubscribePage(w, http.StatusOK, unsubscribePageData{Title: "Unsubscribed", Kind: kind.Label, Done: true})
}
