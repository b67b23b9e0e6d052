package mail

import (
	"html"
	"strings"
)

var (
	shiftReminderTmpl  = mustParse("shift_reminder")
	shiftChangedTmpl   = mustParse("shift_changed")
	shiftCancelledTmpl = mustParse("shift_cancelled")
)

// reminderEmail adds when the shift starts to its details.
type reminderEmail struct {
	ShiftEmail
	StartsIn string
}

// ShiftReminder renders the reminder to a PA that their shift starts soon;
// startsIn says when in words ("in 12 hours", "in 1 hour").
func ShiftReminder(to string, d ShiftEmail, startsIn string) (Message, error) {
	d = d.normalized()
	return shiftReminderTmpl.render([]string{to}, "⏰ Shift Reminder: "+d.ShortDate+" at "+d.StartTime,
		reminderEmail{ShiftEmail: d, StartsIn: startsIn})
}

// changedEmail adds what the shift was before to its new details.
type changedEmail struct {
	ShiftEmail
	Previously string
}

// ShiftChanged renders the notice to a PA that an approved shift of theirs
// was moved or retimed; previously describes it as it was ("Monday, January
// 05, 2026, 09:00 PM – 09:00 AM").
func ShiftChanged(to string, d ShiftEmail, previously string) (Message, error) {
	d = d.normalized()
	return shiftChangedTmpl.render([]string{to}, "✏️ Shift Changed: "+d.ShortDate, changedEmail{ShiftEmail: d, Previously: previously})
}

// ShiftCancelled renders the notice to a PA that an approved shift of
// theirs was deleted.
func ShiftCancelled(to string, d ShiftEmail) (Message, error) {
	d = d.normalized()
	return shiftCancelledTmpl.render([]string{to}, "🚫 Shift Cancelled: "+d.ShortDate, d)
}

// WithUnsubscribe adds a one-click unsubscribe link to m: the RFC 8058
// headers (List-Unsubscribe with the URL, List-Unsubscribe-Post) and a
// line in both bodies saying what it stops (what: "Shift approved") and
// where every setting is (settingsURL, optional).
func WithUnsubscribe(m Message, unsubscribeURL, what, settingsURL string) Message {
	m.ListUnsubscribe = unsubscribeURL
	text := "\n\nTo stop \"" + what + "\" emails: " + unsubscribeURL
	if settingsURL != "" {
		text += "\nAll your notification settings: " + settingsURL
	}
	m.Text = strings.TrimRight(m.Text, "\n") + text + "\n"
	p := `<p style="margin:8px 0 0;">Don't want &ldquo;` + html.EscapeString(what) + `&rdquo; emails? <a href="` +
		html.EscapeString(unsubscribeURL) + `" style="color:#1d4ed8;text-decoration:underline;">Unsubscribe from them</a>`
	if settingsURL != "" {
		p += ` or <a href="` + html.EscapeString(settingsURL) + `" style="color:#1d4ed8;text-decoration:underline;">change your notification settings</a>`
	}
	p += ".</p>\n"
	if m.HTML == "" {
		return m // a text-only email stays text only
	}
	if i := strings.LastIndex(m.HTML, "</footer>"); i >= 0 {
		m.HTML = m.HTML[:i] + p + m.HTML[i:]
	} else if i := strings.LastIndex(m.HTML, "</body>"); i >= 0 {
		m.HTML = m.HTML[:i] + p + m.HTML[i:]
	} else {
		m.HTML += p
	}
	return m
}
