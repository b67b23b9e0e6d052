package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/api"
	"pasched/coverage"
	"pasched/jobs"
	"pasched/mail"
	"pasched/notify"
	"pasched/password"
	"pasched/realtime"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/throttle"
	"pasched/token"
)

// testPassword is the password of every user made by env.user.
const testPassword = "Test-Pass-2030!"

var (
	hashOnce sync.Once
	testHash string
)

// env is the whole HTTP side of pasched over a fresh database: the web app,
// the JSON API and the live channel, as serve mounts them, on 127.0.0.1.
type env struct {
	t        *testing.T
	dialect  sqlstore.Dialect
	db       *sqlstore.DB
	accounts *accounts.Service
	sched    *scheduling.Service
	coverage *coverage.Service
	notify   *notify.Service
	web      *Server
	hub      *realtime.Hub
	http     *httptest.Server
	// mailDir is where the file email backend writes (when started with mail).
	mailDir string
	signer  *token.Signer
	jobs    *jobs.Client
}

type envOpts struct {
	// mail starts River workers that write emails to files in mailDir.
	mail bool
	// db is the database to use instead of a fresh one of the dialect.
	db *sqlstore.DB
	// throttles are handed to both the web app and the API, as serve does.
	throttles *throttle.Set
}

func newEnv(t *testing.T, d sqlstore.Dialect, opts ...envOpts) *env {
	t.Helper()
	var o envOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx := context.Background()
	db := o.db
	if db == nil {
		db = sqltest.Open(t, d)
	}
	e := &env{t: t, dialect: d, db: db}
	// The address is known before the services are built: links in emails
	// point at this server's own pages.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	var sender mail.Sender
	if o.mail {
		e.mailDir = t.TempDir()
		if sender, err = mail.New(mail.Config{Backend: "file", FilePath: e.mailDir, From: "noreply@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	e.signer = token.NewSigner("test-secret-key")
	e.accounts = &accounts.Service{DB: db, Hasher: password.NewHasher(2), Signer: e.signer, UserCacheTTL: -1,
		FrontendURL: base}
	js, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, Work: sender != nil, TestOnly: true, PasswordReset: e.accounts,
		RetryBase: time.Millisecond, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.accounts.Jobs = js.Client
	e.jobs = js.Client
	t.Cleanup(js.Close)
	if sender != nil {
		if err := js.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			js.Stop(sctx)
		})
	}
	e.hub = realtime.NewHub(realtime.HubOpts{})
	broker := realtime.NewLocalBroker(e.hub)
	bctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); broker.Run(bctx) }()
	t.Cleanup(func() { stop(); <-done })
	e.accounts.Events = realtime.NewPublisher(broker)
	e.sched = &scheduling.Service{DB: db, Jobs: js.Client, Events: realtime.NewPublisher(broker), Windows: schedule.DefaultWindows(), Location: time.UTC, FrontendURL: base}
	hosts := []string{"127.0.0.1", "localhost"}
	e.coverage = &coverage.Service{DB: db, Jobs: js.Client, Scheduling: e.sched, Windows: schedule.DefaultWindows(), Location: time.UTC, FrontendURL: base}
	e.notify = &notify.Service{DB: db, Jobs: js.Client, Signer: e.signer, Location: time.UTC, Windows: schedule.DefaultWindows(), BaseURL: base}
	e.web, err = New(Deps{Accounts: e.accounts, Scheduling: e.sched, Coverage: e.coverage, Jobs: &jobs.Admin{Client: js.Client, DB: db},
		Notify: e.notify, Throttles: o.throttles, Config: Config{
			HostAllowed: func(h string) bool { return api.HostAllowed(hosts, h) }, Location: time.UTC}})
	if err != nil {
		t.Fatal(err)
	}
	apiSrv := api.New(api.Deps{Accounts: e.accounts, Scheduling: e.sched, Notify: e.notify, DB: db, Throttles: o.throttles,
		Config: api.Config{AllowedHosts: hosts}})
	apiSrv.Mux().Handle("GET /ws/schedule/{period_id}/{$}", realtime.NewHandler(e.hub, realtime.HandlerOpts{
		Authenticate: func(ctx context.Context, tok string) (realtime.User, error) {
			u, exp, err := e.accounts.AuthenticateWithExpiry(ctx, tok)
			if err != nil {
				return realtime.User{}, err
			}
			return realtime.User{ID: u.ID, Email: u.Email, Role: u.Role, Expires: exp}, nil
		},
	}))
	mux := http.NewServeMux()
	apiH := apiSrv.Handler()
	mux.Handle("/api/", apiH)
	mux.Handle("/ws/", apiH)
	mux.Handle("/feeds/", apiH)
	mux.Handle("/unsubscribe/", apiH)
	mux.Handle("/", e.web.Handler())
	e.http = &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	e.http.Start()
	t.Cleanup(func() {
		e.http.Close()
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.hub.Close(cctx)
	})
	return e
}

// user inserts an active user straight into the store (the password hash
// of testPassword is computed once per test binary).
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
			PhoneNumber: "555-0100", Role: role, PasswordHash: testHash, IsEmailVerified: true,
		})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) pa(email, first, last string) *pasched.User {
	return e.user(pasched.RolePA, email, first, last)
}

func (e *env) admin(email string) *pasched.User {
	return e.user(pasched.RoleAdmin, email, "Ada", "Admin")
}

// client is a browser without JavaScript: a cookie jar, redirects not
// followed (tests look at them), same-origin by default.
type client struct {
	e    *env
	http *http.Client
	// origin is sent as Origin on POSTs ("" sends none).
	origin string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, origin: e.http.URL, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a response with its body read.
type page struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(req *http.Request) page {
	c.e.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (c *client) get(path string) page {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.http.URL+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) page {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	return c.do(req)
}

// signIn signs in through the form and fails the test unless it worked.
func (c *client) signIn(email string) {
	c.e.t.Helper()
	p := c.post("/signin", url.Values{"email": {email}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther {
		c.e.t.Fatalf("sign in %s: %d %s", email, p.Status, p.Body)
	}
}

// cookie is the browser's cookie named name for the server, "" if none.
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.e.http.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// sentEmails returns the bodies of the emails written so far.
func (e *env) sentEmails() []string {
	e.t.Helper()
	var out []string
	files, _ := filepath.Glob(filepath.Join(e.mailDir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

// waitFor polls cond until it holds, failing after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// period creates an OPEN period from..to as admin.
func (e *env) period(admin *pasched.User, name string, from, to schedule.Date) *pasched.Period {
	e.t.Helper()
	open := pasched.PeriodOpen
	p, err := e.sched.CreatePeriod(context.Background(), admin, scheduling.PeriodInput{Name: &name, StartDate: &from, EndDate: &to, Status: &open})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// request creates a pending shift request of pa.
func (e *env) request(pa *pasched.User, p *pasched.Period, d schedule.Date, start, end schedule.TimeOfDay) *pasched.Shift {
	e.t.Helper()
	notes := ""
	sh, err := e.sched.CreateShift(context.Background(), pa, scheduling.ShiftInput{PeriodID: &p.ID, Date: &d, Start: &start, End: &end, Notes: &notes})
	if err != nil {
		e.t.Fatal(err)
	}
	return sh
}

// approve approves a shift as admin.
func (e *env) approve(admin *pasched.User, sh *pasched.Shift) {
	e.t.Helper()
	if _, err := e.sched.ApproveShift(context.Background(), admin, sh.ID, scheduling.ApproveInput{}); err != nil {
		e.t.Fatal(err)
	}
}
