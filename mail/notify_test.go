package mail

import (
	"strings"
	"testing"
)

func TestWithUnsubscribe(t *testing.T) {
	const link = "https://pa.example/unsubscribe/1.reminder.x"
	text := WithUnsubscribe(Message{To: []string{"a@example.com"}, Text: "Hello\n"}, link, "Reminder", "")
	if text.HTML != "" || text.ListUnsubscribe != link || !strings.HasSuffix(text.Text, "To stop \"Reminder\" emails: "+link+"\n") {
		t.Fatalf("text-only %+v", text)
	}
	html := WithUnsubscribe(Message{Text: "Hi", HTML: "<body><main>x</main><footer><p>auto</p></footer></body>"}, link, "A & B", "https://pa.example/profile/notifications")
	if !strings.Contains(html.HTML, `&ldquo;A &amp; B&rdquo;`) || !strings.Contains(html.HTML, `href="`+link+`"`) ||
		strings.Index(html.HTML, link) > strings.Index(html.HTML, "</footer>") || !strings.Contains(html.Text, "All your notification settings: https://pa.example/profile/notifications") {
		t.Fatalf("html %+v", html)
	}
	m, err := buildMsg("noreply@example.com", Message{To: []string{"a@example.com"}, Subject: "s", Text: "t", HTML: "h", ListUnsubscribe: link}, "quoted-printable")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "List-Unsubscribe: <"+link+">") || !strings.Contains(b.String(), "List-Unsubscribe-Post: List-Unsubscribe=One-Click") {
		t.Fatalf("headers:\n%s", b.String())
	}
}
