package coverage

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func TestCheckUpcomingDigest(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		b.svc.Days = 2
		b.user(pasched.RoleAdmin, "Second") // both admins get the one email
		pa := b.user(pasched.RolePA, "Pat")
		p := b.period("2030-03-01", "2030-03-31")
		// Monday 4 March 05:00: the morning is half covered, the evening not;
		// Tuesday is fully covered.
		b.approved(pa, p, "2030-03-04", "06:00", "07:30")
		b.approved(pa, p, "2030-03-05", "06:00", "09:00")
		b.approved(pa, p, "2030-03-05", "21:00", "22:00")

		dg, err := b.svc.CheckUpcoming(b.ctx, date("2030-03-04"))
		if err != nil {
			t.Fatal(err)
		}
		if !dg.Sent || dg.Worded || len(dg.Report.Gaps) != 2 || dg.Report.UncoveredMinutes != 150 {
			t.Fatalf("digest %+v", dg)
		}
		wantSummary := "2 windows are uncovered in the critical times from Monday 4 March 2030 to Tuesday 5 March 2030: 2 h 30 min on 1 day. " +
			"The first is Monday 4 March 2030, 06:00–09:00 (1 h 30 min uncovered)."
		if dg.Summary != wantSummary {
			t.Errorf("summary %q\nwant    %q", dg.Summary, wantSummary)
		}
		// One email per admin, so each admin's notification settings apply.
		ems := b.emailsOf("coverage_digest:")
		if len(ems) != 2 || len(ems[0].To) != 1 || len(ems[1].To) != 1 || ems[0].To[0] == ems[1].To[0] ||
			ems[0].Notify != pasched.NotifyDailyDigest || ems[0].UserID == 0 {
			t.Fatalf("digest emails %+v, want one to each of the two admins", ems)
		}
		e := ems[0]
		if e.Subject != "Coverage check: 2 critical windows uncovered in the next 2 days" || e.Text != ems[1].Text {
			t.Errorf("digest subject %q", e.Subject)
		}
		for _, want := range []string{wantSummary, "- Monday 4 March 2030, 06:00–09:00: 1 h 30 min uncovered (07:30–09:00)",
			"- Monday 4 March 2030, 21:00–22:00: 1 h uncovered (21:00–22:00)", "http://frontend.test/admin/coverage"} {
			if !strings.Contains(e.Text, want) {
				t.Errorf("digest lacks %q:\n%s", want, e.Text)
			}
		}
		// Pat works 06:00–07:30 and cannot take 07:30–09:00? They can: it
		// is back to back. The evening suggestion names them too.
		if !strings.Contains(e.Text, "07:30–09:00: suggested Pat Test (free;") {
			t.Errorf("no suggestion in:\n%s", e.Text)
		}

		// The same date again (a retry, a second instance): nothing more.
		if dg, err := b.svc.CheckUpcoming(b.ctx, date("2030-03-04")); err != nil || dg.Sent {
			t.Fatalf("second run: %+v, %v", dg, err)
		}
		if n := len(b.emailsOf("coverage_digest:")); n != 2 {
			t.Errorf("%d emails after a second run", n)
		}

		// Everything covered: no email at all.
		b.approved(pa, p, "2030-03-04", "07:30", "09:00")
		b.approved(pa, p, "2030-03-04", "21:00", "22:00")
		if dg, err := b.svc.CheckUpcoming(b.ctx, date("2030-03-05")); err != nil || dg.Sent || len(dg.Report.Gaps) != 0 {
			t.Fatalf("all covered: %+v, %v", dg, err)
		}
		if n := len(b.emailsOf("coverage_digest:")); n != 2 {
			t.Errorf("%d emails when all is covered, want only the first day's two", n)
		}
	})
}

// fakeChat is a local server speaking the chat-completions protocol.
type fakeChat struct {
	*httptest.Server
	calls atomic.Int32
	got   chan chatRequest
}

func newFakeChat(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) *fakeChat {
	f := &fakeChat{got: make(chan chatRequest, 4)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
			http.Error(w, "bad request line", http.StatusBadRequest)
			return
		}
		var req chatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.got <- req
		handle(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func TestDigestWording(t *testing.T) {
	t.Parallel()
	const worded = "Two critical times on Monday 4 March still need someone: the end of the morning and the evening."
	cases := []struct {
		name   string
		handle func(w http.ResponseWriter, r *http.Request)
		worded bool
	}{
		{"success", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"  ` +
				worded + `\n"},"finish_reason":"stop"}]}`))
		}, true},
		{"error", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"message":"Rate limit reached","type":"requests"}}`))
		}, false},
		{"no choices", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"choices":[]}`))
		}, false},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // never answers; the client gives up
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, sqlstore.SQLite)
			b.svc.Days = 1
			f := newFakeChat(t, tc.handle)
			// Only the timeout case waits for the timeout, so it can be short;
			// the others answer at once and keep the default.
			timeout := DefaultLLMTimeout
			if tc.name == "timeout" {
				timeout = 100 * time.Millisecond
			}
			b.svc.Wording = &ChatCompletions{BaseURL: f.URL + "/v1", APIKey: "sk-test", Model: "test-model", Timeout: timeout}
			dg, err := b.svc.CheckUpcoming(b.ctx, date("2030-03-04"))
			if err != nil {
				t.Fatal(err)
			}
			if f.calls.Load() != 1 {
				t.Fatalf("%d calls to the model", f.calls.Load())
			}
			req := <-f.got
			if req.Model != "test-model" || len(req.Messages) != 2 || req.Messages[0].Role != "system" {
				t.Errorf("request %+v", req)
			}
			var facts DigestFacts
			if err := json.Unmarshal([]byte(req.Messages[1].Content), &facts); err != nil || len(facts.Gaps) != 2 || facts.UncoveredMinutes != 240 {
				t.Errorf("facts %+v (%v)", facts, err)
			}
			text := b.emailsOf("coverage_digest:")[0].Text
			if dg.Worded != tc.worded {
				t.Errorf("worded = %v", dg.Worded)
			}
			if tc.worded {
				if dg.Summary != worded || !strings.Contains(text, worded) {
					t.Errorf("summary %q", dg.Summary)
				}
			} else if !strings.HasPrefix(dg.Summary, "2 windows are uncovered") || !strings.Contains(text, dg.Summary) {
				t.Errorf("plain summary expected, got %q", dg.Summary)
			}
			// The list never depends on the model.
			if !strings.Contains(text, "- Monday 4 March 2030, 06:00–09:00: 3 h uncovered (06:00–09:00)") {
				t.Errorf("gap list missing:\n%s", text)
			}
		})
	}
}

func TestNewWording(t *testing.T) {
	t.Parallel()
	if w := NewWording("", "http://127.0.0.1:1", "m", time.Second); w != nil {
		t.Errorf("no key gave %v: the plain text must be used without any network", w)
	}
	w := NewWording("sk", "", "", 0)
	c, ok := w.(*ChatCompletions)
	if !ok || c.BaseURL != DefaultOpenAIBaseURL || c.Model != DefaultOpenAIModel || c.Timeout != DefaultLLMTimeout {
		t.Errorf("defaults %+v", w)
	}
}
