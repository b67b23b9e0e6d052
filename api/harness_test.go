package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/jobs"
	"pasched/mail"
	"pasched/password"
	"pasched/realtime"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// testPassword is the password of every user made by env.user.
const testPassword = "Test-Pass-2030!"

var (
	hashOnce sync.Once
	testHash string
)

// env is one running API over a fresh database.
type env struct {
	t        *testing.T
	dialect  sqlstore.Dialect
	db       *sqlstore.DB
	jobs     *jobs.System
	accounts *accounts.Service
	server   *Server
	http     *httptest.Server
	signer   *token.Signer
	sched    *scheduling.Service
	events   *eventRecorder
}

// eventRecorder is a realtime.Broker that records events once their
// transaction commits, so tests see exactly what would be published.
type eventRecorder struct {
	mu     sync.Mutex
	events []realtime.Event
}

func (r *eventRecorder) Stage(_ context.Context, tx realtime.Tx, ev realtime.Event) error {
	tx.AfterCommit(func() {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	})
	return nil
}

func (r *eventRecorder) Run(ctx context.Context) error { <-ctx.Done(); return nil }

// take returns the events recorded since the last take.
func (r *eventRecorder) take() []realtime.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

// envOpts change what newEnv builds.
type envOpts struct {
	// sender, when set, starts River workers that send with it.
	sender mail.Sender
	config *Config
	// userCache turns on accounts' user cache (off by default so that
	// every authenticated request costs the same queries).
	userCache bool
	// hasher replaces the password hasher (accounts.PasswordHasher).
	hasher accounts.PasswordHasher
}

// newEnv starts the API on dialect d, bound to 127.0.0.1.
func newEnv(t *testing.T, d sqlstore.Dialect, opts ...envOpts) *env {
	t.Helper()
	var o envOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx := context.Background()
	db := sqltest.Open(t, d)
	signer := token.NewSigner("test-secret-key")
	acc := &accounts.Service{DB: db, Hasher: password.NewHasher(2), Signer: signer, FrontendURL: "http://frontend.test",
		UserCacheTTL: -1}
	if o.userCache {
		acc.UserCacheTTL = accounts.DefaultUserCacheTTL
	}
	if o.hasher != nil {
		acc.Hasher = o.hasher
	}
	js, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: o.sender, PasswordReset: acc, Work: o.sender != nil, TestOnly: true,
		RetryBase: time.Millisecond, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	acc.Jobs = js.Client
	t.Cleanup(js.Close)
	if o.sender != nil {
		if err := js.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			js.Stop(sctx)
		})
	}
	cfg := Config{AllowedHosts: []string{"127.0.0.1", "localhost"}, CORSOrigins: []string{"http://localhost:3000"}}
	if o.config != nil {
		cfg = *o.config
	}
	rec := &eventRecorder{}
	sched := &scheduling.Service{DB: db, Jobs: js.Client, Events: realtime.NewPublisher(rec), Windows: schedule.DefaultWindows(),
		Location: time.UTC, FrontendURL: "http://frontend.test"}
	srv := New(Deps{Accounts: acc, Scheduling: sched, DB: db, Config: cfg})
	// Every response the tests get must agree with the OpenAPI document.
	hs := httptest.NewServer(validating(t, srv.Handler()))
	t.Cleanup(hs.Close)
	return &env{t: t, dialect: d, db: db, jobs: js, accounts: acc, server: srv, http: hs, signer: signer, sched: sched, events: rec}
}

// user inserts an active user straight into the store (fast: the password
// hash of testPassword is computed once per test binary).
func (e *env) user(role, email, first, last string) *pasched.User {
	e.t.Helper()
	hashOnce.Do(func() {
		var err error
		if testHash, err = password.Hash(testPassword); err != nil {
			panic(err)
		}
	})
	var u *pasched.User
	err := e.db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		var err error
		u, err = sqlstore.CreateUser(context.Background(), tx, pasched.NewUser{
			Email: email, Username: strings.SplitN(email, "@", 2)[0], FirstName: first, LastName: last,
			PhoneNumber: "555-0100", Role: role, PasswordHash: testHash, IsEmailVerified: role == pasched.RoleAdmin,
		})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// admin and pa are shorthands for user.
func (e *env) admin(email string) *pasched.User {
	return e.user(pasched.RoleAdmin, email, "Ada", "Admin")
}

func (e *env) pa(email, first, last string) *pasched.User {
	return e.user(pasched.RolePA, email, first, last)
}

// access returns a valid access token for u.
func (e *env) access(u *pasched.User) string {
	e.t.Helper()
	p, err := e.signer.IssuePair(u.ID, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Access
}

// response is what a request answered.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into any (numbers as json.Number).
func (r response) JSON(t *testing.T) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("response is not JSON (%d): %v: %q", r.Status, err, r.Body)
	}
	return v
}

// do sends a request. body may be nil, a string (sent as is) or a value
// (sent as JSON). as is a *pasched.User (authenticated with a fresh access
// token), a string (sent as "Bearer <string>") or nil.
func (e *env) do(method, path string, body any, as any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch a := as.(type) {
	case *pasched.User:
		req.Header.Set("Authorization", "Bearer "+e.access(a))
	case string:
		req.Header.Set("Authorization", "Bearer "+a)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// expect asserts the status and the whole JSON body. In want, these strings
// match any value of their kind: "<ts>" a DRF datetime, "<jwt>" a JWT,
// "<uuid>" a UUID, "<any>" anything; "<url>" an absolute URL.
func expect(t *testing.T, r response, status int, want string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if want == "" {
		return
	}
	var w any
	dec := json.NewDecoder(strings.NewReader(want))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if diff := matchJSON("$", r.JSON(t), w); diff != "" {
		t.Fatalf("body mismatch at %s\n got: %s\nwant: %s", diff, r.Body, want)
	}
}

var placeholders = map[string]*regexp.Regexp{
	"<ts>":   regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$`),
	"<jwt>":  regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`),
	"<uuid>": regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
	"<url>":  regexp.MustCompile(`^https?://`),
}

// matchJSON returns "" when got matches want, else the path of the first difference.
func matchJSON(path string, got, want any) string {
	if ws, ok := want.(string); ok {
		if ws == "<any>" {
			return ""
		}
		if re, ok := placeholders[ws]; ok {
			gs, ok := got.(string)
			if !ok || !re.MatchString(gs) {
				return fmt.Sprintf("%s (got %v, want %s)", path, got, ws)
			}
			return ""
		}
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path + " (not an object)"
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("%s.%s (unexpected key)", path, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s (missing)", path, k)
			}
			if d := matchJSON(path+"."+k, gv, w[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s (got %v, want %d items)", path, got, len(w))
		}
		for i := range w {
			if d := matchJSON(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("%s (got %v, want %v)", path, got, want)
	}
	return ""
}

// TestHarness checks the harness itself: an anonymous /me is refused with
// DRF's body, and an authenticated one answers the user.
func TestHarness(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		expect(t, e.do("GET", "/api/auth/me/", nil, nil), 401, `{"detail":"Authentication credentials were not provided."}`)
		u := e.pa("alice@example.com", "Alice", "Anderson")
		expect(t, e.do("GET", "/api/auth/me/", nil, u), 200, fmt.Sprintf(`{"id":%d,"email":"alice@example.com","username":"alice",
			"first_name":"Alice","last_name":"Anderson","phone_number":"555-0100","role":"PA","is_email_verified":false,"date_joined":"<ts>"}`, u.ID))
	})
}

// send sends req as built (any method, headers and body) without following
// redirects.
func (e *env) send(req *http.Request) response {
	e.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// raw sends body as is with the given headers ("Content-Type" among them).
func (e *env) raw(method, path string, body []byte, headers map[string]string) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return e.send(req)
}

// exec runs a statement in a write transaction (test set-up).
func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	err := e.db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		_, err := tx.ExecContext(context.Background(), q, args...)
		return err
	})
	if err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// count runs a SELECT COUNT(*) (or any one-integer query).
func (e *env) count(q string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}
