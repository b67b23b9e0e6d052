// Command pasched is the PA scheduling system in one binary: the API, the
// WebSocket, the web app and the job workers, on an embedded SQLite file by
// default or on PostgreSQL through DATABASE_URL.
//
//	pasched serve [--addr :8000]
//	pasched migrate
//	pasched worker
//	pasched createadmin --email E --password P [--username U --first-name F --last-name L --phone N]
//
// and the operations commands of commands.go (import, demo, backup,
// restore, healthcheck).
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/api"
	coveragesvc "pasched/coverage"
	"pasched/jobs"
	"pasched/mail"
	"pasched/notify"
	"pasched/password"
	"pasched/realtime"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/throttle"
	"pasched/token"
	"pasched/web"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pasched:", err)
		os.Exit(exitCode(err))
	}
}

const usage = `usage:
  pasched serve [--addr :8000]
  pasched migrate
  pasched worker
  pasched createadmin --email E --password P [--username U --first-name F --last-name L --phone N]` + opsUsage

func run(args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	setupLogging(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		addr := fs.String("addr", ":8000", "address to listen on")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return serve(ctx, cfg, *addr)
	case "migrate":
		a, err := openApp(ctx, cfg, false)
		if err != nil {
			return err
		}
		a.close()
		slog.Info("migrations applied")
		return nil
	case "worker":
		return worker(ctx, cfg)
	case "createadmin":
		return createAdmin(ctx, cfg, args[1:])
	case "help", "-h", "--help":
		fmt.Println(usage)
		return nil
	}
	if cmd, ok := opsCommands[args[0]]; ok {
		return cmd(ctx, cfg, args[1:])
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

func setupLogging(cfg *config) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	if cfg.Debug {
		level = slog.LevelDebug
	}
	slog.SetDefault(slog.New(logHandler(cfg.LogFormat, level)))
}

// app is everything a subcommand needs, wired.
type app struct {
	cfg        *config
	db         *sqlstore.DB
	jobs       *jobs.System
	accounts   *accounts.Service
	scheduling *scheduling.Service
	coverage   *coveragesvc.Service
	notify     *notify.Service
	hub        *realtime.Hub
	broker     realtime.Broker
}

// openApp opens and migrates the database, settles the secret key and builds
// the services. work starts job workers in this process.
func openApp(ctx context.Context, cfg *config, work bool) (*app, error) {
	db, err := sqlstore.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	secret := cfg.SecretKey
	if secret == "" {
		if secret, err = storedSecret(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	sender, err := mail.New(mail.Config{
		Backend: cfg.EmailBackend, From: cfg.DefaultFromEmail, FilePath: cfg.EmailFilePath, Console: os.Stdout,
		SMTP: mail.SMTPConfig{Host: cfg.EmailHost, Port: cfg.EmailPort, Username: cfg.EmailUser, Password: cfg.EmailPassword,
			UseTLS: cfg.EmailUseTLS, UseSSL: cfg.EmailUseSSL, Timeout: 30 * time.Second},
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	windows, err := schedule.ParseWindows(cfg.CriticalTimes)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("CRITICAL_TIMES: %w", err)
	}
	// Coverage intelligence's periodic jobs run in the workers; the
	// service's clients are filled in once they exist.
	cov := &coveragesvc.Service{DB: db, Windows: windows, Location: cfg.TimeZone, FrontendURL: cfg.FrontendURL,
		Days: cfg.CoverageCheckDays, Wording: coveragesvc.NewWording(cfg.OpenAIKey, cfg.OpenAIBaseURL, cfg.OpenAIModel, 0),
		Logger: slog.Default()}
	signer := token.NewSigner(secret)
	policy := &jobs.Policy{DB: db, Location: cfg.TimeZone, Signer: signer, BaseURL: publicURL(cfg),
		SettingsURL: publicURL(cfg) + "/profile/notifications"}
	// The password-reset job runs an accounts use case, and accounts
	// enqueues through the job client: the service is built first and
	// given the client before any worker starts.
	acc := &accounts.Service{DB: db, Hasher: password.NewHasher(runtime.NumCPU()),
		Signer: signer, FrontendURL: cfg.FrontendURL}
	js, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, FrontendURL: cfg.FrontendURL, PasswordReset: acc, Work: work,
		Logger:          slog.Default(),
		MessageIDDomain: mailDomain(cfg.DefaultFromEmail),
		Periodic:        cov.PeriodicJobs(cov.DefaultSchedules()), Register: cov.Register,
		Policy: policy, Location: cfg.TimeZone, DeadAfter: cfg.JobsDeadAfter, EmailRate: cfg.EmailMaxRate})
	if err != nil {
		db.Close()
		return nil, err
	}
	acc.Jobs = js.Client
	hub := realtime.NewHub(realtime.HubOpts{Logger: slog.Default()})
	var broker realtime.Broker = realtime.NewLocalBroker(hub)
	if db.Dialect == sqlstore.Postgres {
		// Several instances share the database: events travel by NOTIFY,
		// on a channel of the schema's own (see pgChannel).
		schema, err := db.CurrentSchema(ctx)
		if err != nil {
			js.Close()
			db.Close()
			return nil, err
		}
		// The broker is also the user cache's feed: every instance's
		// changes to users reach UserChanged, and while the listener is
		// down (as in the commands that do not run it) the cache is off.
		acc.UserFeed = true
		broker = realtime.NewPGBrokerWithOpts(db.DSN, hub, slog.Default(), realtime.PGBrokerOpts{Channel: pgChannel(schema),
			OnUserChanged: acc.UserChanged, OnLive: acc.UserFeedLive})
	}
	// The broker also carries the revocation of a user's sockets when a
	// password reset commits, and the news of every change to a user.
	acc.Events = realtime.NewPublisher(broker)
	sched := &scheduling.Service{DB: db, Jobs: js.Client, JobsPGX: js.PGX, Events: realtime.NewPublisher(broker), Windows: windows,
		Location: cfg.TimeZone, FrontendURL: cfg.FrontendURL}
	cov.Jobs, cov.Scheduling = js.Client, sched
	nt := &notify.Service{DB: db, Jobs: js.Client, Signer: signer, Location: cfg.TimeZone, Windows: windows, BaseURL: publicURL(cfg)}
	return &app{cfg: cfg, db: db, jobs: js, accounts: acc, scheduling: sched, coverage: cov, notify: nt, hub: hub, broker: broker}, nil
}

// pgChannel is the NOTIFY channel of the deployment whose tables live in
// schema. Notifications are per database, not per schema: two deployments
// in two schemas of one database (tests do this) must not hear each other's
// events, whose ids, and realtime_events references, mean other rows there.
// The default schema keeps realtime.DefaultPGChannel.
func pgChannel(schema string) string {
	if schema == "" || schema == "public" {
		return realtime.DefaultPGChannel
	}
	name := realtime.DefaultPGChannel + "_" + schema
	if len(name) > 63 { // PostgreSQL's identifier limit (NAMEDATALEN - 1)
		sum := sha256.Sum256([]byte(schema))
		name = realtime.DefaultPGChannel + "_" + hex.EncodeToString(sum[:12])
	}
	return name
}

// runBroker runs the realtime broker until the returned function is
// called; that function returns once the broker has stopped.
func (a *app) runBroker() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.broker.Run(ctx); err != nil {
			slog.Error("realtime broker", "err", err)
		}
	}()
	return func() { cancel(); <-done }
}

func (a *app) close() {
	// A command-line task's commits (createadmin's user change, say) have
	// no notifier running to announce them: it is done here, once, so that
	// the serving instances see them now rather than at their next read.
	if pb, ok := a.broker.(*realtime.PGBroker); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := pb.AnnouncePending(ctx); err != nil {
			slog.Warn("announce the last changes", "err", err)
		}
		cancel()
	}
	a.jobs.Close()
	a.db.Close()
}

// storedSecret returns the SECRET_KEY kept with the data, generating it on
// first start so tokens survive restarts.
func storedSecret(ctx context.Context, db *sqlstore.DB) (string, error) {
	b := make([]byte, 48)
	rand.Read(b)
	var secret string
	err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		secret, err = sqlstore.SettingOrInit(ctx, tx, "secret_key", base64.RawURLEncoding.EncodeToString(b))
		return err
	})
	return secret, err
}

// gcSettings reads the collector's GOGC and memory limit as the runtime
// applies them (GOMEMLIMIT from the environment is never overridden here).
func gcSettings() (gogc, memoryLimit uint64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

func serve(ctx context.Context, cfg *config, addr string) error {
	start := time.Now()
	if os.Getenv("GOGC") == "" {
		// Measured: about 8% less CPU per request on the list, create and
		// approve benchmarks than the default 100, for a little more heap.
		debug.SetGCPercent(200)
	}
	// Listen first: the address is what email links and the first-run
	// message name when FRONTEND_URL is unset.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := listenURL(ln.Addr())
	if cfg.FrontendURL == "" {
		cfg.FrontendURL = base
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = base
	}
	a, err := openApp(ctx, cfg, true)
	if err != nil {
		ln.Close()
		return err
	}
	setupFile, err := announceSetup(ctx, a, base)
	if err != nil {
		ln.Close()
		a.close()
		return err
	}
	// One set of throttles for both front ends: a client has one budget
	// per action, whether it posts the web forms or calls the API.
	throttles := throttle.NewSet(cfg.API.Rates)
	srv := api.New(api.Deps{Accounts: a.accounts, Scheduling: a.scheduling, Coverage: a.coverage, Notify: a.notify, DB: a.db,
		Throttles: throttles, Config: cfg.API})
	srv.Mux().Handle("GET /ws/schedule/{period_id}/{$}", a.socketHandler())
	webSrv, err := web.New(web.Deps{Accounts: a.accounts, Scheduling: a.scheduling, Coverage: a.coverage, Notify: a.notify,
		Jobs: &jobs.Admin{Client: a.jobs.Client, DB: a.db}, Throttles: throttles, Config: web.Config{
			HostAllowed:    func(h string) bool { return api.HostAllowed(cfg.AllowedHosts, h) },
			TrustedProxies: cfg.API.TrustedProxies, Location: cfg.TimeZone, Logger: slog.Default(),
			SetupDone: func() { os.Remove(setupFile) }}})
	if err != nil {
		ln.Close()
		a.close()
		return err
	}
	stopBroker := a.runBroker()
	// Until the shutdown sequence takes over, an early return still stops
	// what was started, in reverse order.
	cleanup := func() { stopBroker(); a.close() }
	defer func() {
		if cleanup != nil {
			cleanup()
		}
	}()
	if !waitBroker(ctx, a.broker) {
		ln.Close()
		return nil // stopped while starting
	}
	stopPprof, err := startPprof(cfg.PprofAddr)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopPprof()
	hs := httpServer(opsHandler(a, newMetrics(a), rootHandler(srv.Handler(), webSrv.Handler())), bodyTimeout)
	// Not ctx: River soft-stops when its Start context ends, and the
	// workers must stop only after the HTTP server and the sockets.
	if err := a.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return fmt.Errorf("start workers: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	gogc, memLimit := gcSettings()
	slog.Info("pasched ready", "addr", ln.Addr().String(), "database", string(a.db.Dialect), "startup_ms", time.Since(start).Milliseconds(),
		"gogc", gogc, "memory_limit", memLimit)
	var serveErr error
	select {
	case serveErr = <-errc:
		slog.Error("http server", "err", serveErr)
	case <-ctx.Done():
	}
	cleanup = nil
	shutdown(a, hs, stopBroker)
	return serveErr
}

// listenURL is the address a browser on this machine opens: the listener's
// own, with "localhost" for an unspecified one (0.0.0.0, [::]).
func listenURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// setupFileName is the file, beside the SQLite database (in the working
// directory on PostgreSQL), that holds the first-run setup code and URL
// until setup is done.
const setupFileName = "pasched-setup.txt"

// announceSetup makes the first-run setup code when the database has no
// admin, prints it with the URL to open and writes both to the setup file;
// with an admin it removes a setup file left behind. It returns the file's
// path.
func announceSetup(ctx context.Context, a *app, base string) (string, error) {
	path := setupFileName
	if p := a.db.Path(); p != "" {
		path = filepath.Join(filepath.Dir(p), setupFileName)
	}
	code, err := a.accounts.PrepareSetup(ctx)
	if err != nil {
		return "", err
	}
	if code == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Warn("could not remove the setup file", "path", path, "err", err)
		}
		return path, nil
	}
	msg := fmt.Sprintf("pasched has no rota manager account yet.\nTo finish setting it up, open %s/setup in a web browser\nand enter this setup code: %s\n(It works once. Restarting pasched makes a new one.)\n", base, code)
	if err := os.WriteFile(path, []byte(msg), 0o600); err != nil {
		return "", fmt.Errorf("write setup file: %w", err)
	}
	fmt.Print("\n" + msg + "The same is written to " + path + "\n\n")
	slog.Info("first-run setup open", "url", base+"/setup", "setup_file", path)
	return path, nil
}

// rootHandler sends the JSON API's paths (and the live channel's, the
// calendar feeds and the emails' one-click unsubscribe links) to the API,
// and every other path to the web app.
func rootHandler(apiH, webH http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", apiH)
	mux.Handle("/ws/", apiH)
	mux.Handle("/healthz", apiH)
	mux.Handle("/feeds/", apiH)
	mux.Handle("/unsubscribe/", apiH)
	mux.Handle("/", webH)
	return mux
}

// shutdownTimeout bounds the whole shutdown sequence.
const shutdownTimeout = 15 * time.Second

// shutdown stops serve in order, logging each step: the HTTP server stops
// accepting and finishes its requests; the sockets (hijacked connections,
// which Shutdown does not track) are closed with 1001; the broker stops
// feeding the hub; the job workers stop; the database closes. Each step is
// bounded by what is left of shutdownTimeout; a step that overruns is
// logged and the sequence goes on, so serve always exits.
func shutdown(a *app, hs *http.Server, stopBroker func()) {
	slog.Info("shutting down")
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		slog.Error("shutdown: http server", "err", err)
		hs.Close()
	}
	slog.Info("shutdown: http server stopped")
	sockets := a.hub.Count()
	if err := a.hub.Close(ctx); err != nil {
		slog.Error("shutdown: websockets", "err", err)
	}
	slog.Info("shutdown: websockets closed", "sockets", sockets)
	stopBroker()
	slog.Info("shutdown: realtime broker stopped")
	if err := a.jobs.Stop(ctx); err != nil {
		slog.Error("shutdown: workers", "err", err)
	}
	slog.Info("shutdown: workers stopped")
	a.close()
	slog.Info("shutdown: database closed", "shutdown_ms", time.Since(began).Milliseconds())
}

// brokerReadyTimeout bounds how long serve waits for the PostgreSQL
// listener before it reports ready anyway (events reach its sockets once the
// listener connects).
const brokerReadyTimeout = 30 * time.Second

// waitBroker waits until a PostgreSQL broker LISTENs, so that an instance
// reported ready receives every event committed from then on. It reports
// false when ctx ended first.
func waitBroker(ctx context.Context, b realtime.Broker) bool {
	pg, ok := b.(*realtime.PGBroker)
	if !ok {
		return true
	}
	t := time.NewTimer(brokerReadyTimeout)
	defer t.Stop()
	select {
	case <-pg.Ready():
	case <-t.C:
		slog.Warn("realtime: PostgreSQL listener not ready; serving without it until it connects", "waited", brokerReadyTimeout)
	case <-ctx.Done():
		return false
	}
	return true
}

// startPprof serves net/http/pprof on addr when it is set. addr must be a
// loopback address: profiles expose internals and cost CPU.
func startPprof(addr string) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("PPROF_ADDR: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("PPROF_ADDR %q: only a loopback address is allowed", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("PPROF_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ps := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go ps.Serve(ln)
	slog.Info("pprof listening", "addr", ln.Addr().String())
	return func() { ps.Close() }, nil
}

// socketHandler is the live channel /ws/schedule/<period_id>/?token=….
func (a *app) socketHandler() http.Handler {
	// Pages of the CORS origins and of the allowed hosts (any port) may open
	// a socket; the request's own host always may.
	var origins []string
	for _, o := range a.cfg.CORSOrigins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			origins = append(origins, u.Host)
		}
	}
	for _, h := range a.cfg.AllowedHosts {
		switch {
		case h == "*":
			origins = append(origins, "*")
		case strings.HasPrefix(h, "."):
			origins = append(origins, h[1:], h[1:]+":*", "*"+h, "*"+h+":*")
		default:
			origins = append(origins, h, h+":*")
		}
	}
	return realtime.NewHandler(a.hub, realtime.HandlerOpts{
		Authenticate: func(ctx context.Context, tok string) (realtime.User, error) {
			u, exp, err := a.accounts.AuthenticateWithExpiry(ctx, tok)
			if err != nil {
				return realtime.User{}, err
			}
			// The hub closes the socket (4001) when the token expires.
			return realtime.User{ID: u.ID, Email: u.Email, Role: u.Role, Expires: exp}, nil
		},
		PeriodExists: func(ctx context.Context, id int64) (bool, error) {
			return sqlstore.PeriodExists(ctx, a.db, id)
		},
		OriginPatterns: origins,
		Logger:         slog.Default(),
	})
}

func worker(ctx context.Context, cfg *config) error {
	if cfg.FrontendURL == "" {
		// A worker alone does not know where the web app listens.
		cfg.FrontendURL = "http://localhost:8000"
		slog.Warn("FRONTEND_URL is not set: email links will point at " + cfg.FrontendURL)
	}
	a, err := openApp(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer a.close()
	// Stopped explicitly below (a cancelled Start context would stop River
	// on its own, without the bound).
	if err := a.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	// The broker announces the live events of the jobs' changes to the
	// serving instances (on PostgreSQL, the NOTIFY after each commit).
	defer a.runBroker()()
	slog.Info("pasched worker ready", "database", string(a.db.Dialect))
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return a.jobs.Stop(sctx)
}

func createAdmin(ctx context.Context, cfg *config, args []string) error {
	fs := flag.NewFlagSet("createadmin", flag.ContinueOnError)
	email := fs.String("email", "", "admin email (required)")
	pw := fs.String("password", "", "admin password (required)")
	username := fs.String("username", "", "username (default: the email's local part)")
	first := fs.String("first-name", "", "first name")
	last := fs.String("last-name", "", "last name")
	phone := fs.String("phone", "", "phone number")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || *pw == "" {
		return errors.New("createadmin needs --email and --password")
	}
	a, err := openApp(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer a.close()
	u, created, err := a.accounts.CreateAdmin(ctx, pasched.NewUser{Email: strings.TrimSpace(*email), Username: *username,
		FirstName: *first, LastName: *last, PhoneNumber: *phone}, *pw)
	if err != nil {
		return err
	}
	verb := "updated"
	if created {
		verb = "created"
	}
	fmt.Printf("admin %s: %s (id %d)\n", verb, u.Email, u.ID)
	return nil
}
