// Command seedload fills a pasched database with the data the README's
// load figures are measured on, and nothing else: an admin and PAs who can
// sign in (password -password), a month of approved shifts (March 2030,
// one a PA a day: 20 PAs make 620), optionally pending requests in unique
// one-hour slots for an approval load (their ids written one a line to
// -pending-ids), and optionally a queue of emails to drain. Every count is
// bounded. It writes through sqlstore and River like the application.
//
//	seedload -db sqlite:///load.db -pas 20 -pending 20000 -pending-ids ids.txt -emails 1000
//
// With -smtp-sink it does none of that and serves an SMTP sink instead (the
// in-memory server of mail/smtptest, counting what it accepts), so that a
// load test sends its emails over SMTP, the production path, to a process of
// its own: until SIGINT or SIGTERM, then it logs what it received.
//
//	seedload -smtp-sink 127.0.0.1:2525
//
// With -sink-http it also answers GET /count (messages accepted so far) and
// GET /wait?n=N&timeout=30s (blocks until N have been accepted: 200, or 504
// at the timeout), so that wrk.sh ends its drain window when the drain ends
// without polling the server under test (its /metrics counts River's jobs,
// which costs it CPU of its own).
//
//	seedload -smtp-sink 127.0.0.1:2525 -sink-http 127.0.0.1:2526
//
// With -wait-files it waits until a directory holds -until .eml files (the
// file backend's messages), looking every 10 ms, then exits 0 (1 after
// -wait-timeout).
//
//	seedload -wait-files /tmp/mail -until 3000
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"pasched"
	"pasched/jobs"
	"pasched/mail"
	"pasched/mail/smtptest"
	"pasched/password"
	"pasched/schedule"
	"pasched/sqlstore"
)

// Bounds: a load database, not a generator of arbitrary size.
const (
	maxPAs     = 100
	maxPending = 730 * 48 // one request a half hour of 2031–2032
	maxEmails  = 20000
)

func main() {
	dbURL := flag.String("db", "sqlite:///load.db", "DATABASE_URL to fill (migrated first)")
	pas := flag.Int("pas", 20, fmt.Sprintf("PAs, pa0@example.com… (at most %d)", maxPAs))
	pending := flag.Int("pending", 0, fmt.Sprintf("pending requests to approve, in 2031–2032 (at most %d)", maxPending))
	pendingIDs := flag.String("pending-ids", "", "file to write the pending requests' ids to")
	emails := flag.Int("emails", 0, fmt.Sprintf("email jobs to queue (at most %d)", maxEmails))
	pw := flag.String("password", "Load-Test-Pass-2030", "everyone's password")
	emailsOnly := flag.Bool("emails-only", false, "only queue -emails more emails in an already filled database")
	sinkAddr := flag.String("smtp-sink", "", "serve an SMTP sink on this address (host:port) until SIGINT/SIGTERM, and do nothing else")
	sinkHTTP := flag.String("sink-http", "", "with -smtp-sink: answer GET /count and /wait?n=N&timeout=D on this address")
	mailDir := flag.String("wait-files", "", "wait until this directory holds -until .eml files, and do nothing else")
	until := flag.Int("until", 0, "the file count -wait-files waits for")
	waitTimeout := flag.Duration("wait-timeout", time.Minute, "how long -wait-files waits at most")
	flag.Parse()
	if *mailDir != "" {
		if err := waitFiles(*mailDir, *until, *waitTimeout); err != nil {
			log.Fatal("seedload: ", err)
		}
		return
	}
	if *sinkAddr != "" {
		if err := serveSink(*sinkAddr, *sinkHTTP); err != nil {
			log.Fatal("seedload: ", err)
		}
		return
	}
	if *pas < 1 || *pas > maxPAs || *pending < 0 || *pending > maxPending || *emails < 0 || *emails > maxEmails {
		log.Fatalf("seedload: counts out of bounds (pas 1..%d, pending ≤ %d, emails ≤ %d)", maxPAs, maxPending, maxEmails)
	}
	if *emailsOnly {
		if err := queueOnly(context.Background(), *dbURL, *pas, *emails); err != nil {
			log.Fatal("seedload: ", err)
		}
		return
	}
	if err := run(context.Background(), *dbURL, *pas, *pending, *pendingIDs, *emails, *pw); err != nil {
		log.Fatal("seedload: ", err)
	}
}

func run(ctx context.Context, dbURL string, nPAs, nPending int, idsPath string, nEmails int, pw string) error {
	db, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	var admin *pasched.User
	var pas []*pasched.User
	var march, later *pasched.Period
	err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		for i := 0; i <= nPAs; i++ {
			role, email, first := pasched.RolePA, fmt.Sprintf("pa%d@example.com", i), "PA"
			if i == nPAs {
				role, email, first = pasched.RoleAdmin, "admin@example.com", "Ada"
			}
			u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: email, Username: fmt.Sprint("user", i),
				FirstName: first, LastName: fmt.Sprint("Number ", i), PhoneNumber: "555-0100", Role: role,
				PasswordHash: hash, IsEmailVerified: true})
			if err != nil {
				return err
			}
			if i == nPAs {
				admin = u
			} else {
				pas = append(pas, u)
			}
		}
		march = &pasched.Period{Name: "March 2030", StartDate: schedule.MustDate(2030, time.March, 1),
			EndDate: schedule.MustDate(2030, time.March, 31), Status: pasched.PeriodOpen, CreatedByID: admin.ID}
		later = &pasched.Period{Name: "2031–2032", StartDate: schedule.MustDate(2031, time.January, 1),
			EndDate: schedule.MustDate(2032, time.December, 31), Status: pasched.PeriodOpen, CreatedByID: admin.ID}
		if err := sqlstore.CreatePeriod(ctx, tx, march); err != nil {
			return err
		}
		return sqlstore.CreatePeriod(ctx, tx, later)
	})
	if err != nil {
		return err
	}
	// March: PA i works (6+i%12):00 for 3 hours every day, approved.
	err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		now := tx.Now
		for day := 1; day <= 31; day++ {
			for i, pa := range pas {
				start := schedule.Clock(6+i%12, 0, 0)
				end := schedule.Clock(9+i%12, 0, 0)
				by := admin.ID
				sh := &pasched.Shift{PeriodID: march.ID, RequestedByID: pa.ID, Date: schedule.MustDate(2030, time.March, day),
					Start: start, End: end, DurationHundredths: 300, Status: pasched.ShiftApproved,
					ApprovedAt: &now, ApprovedByID: &by}
				if err := sqlstore.CreateShift(ctx, tx, sh); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Pending requests, one a unique half hour of 2031–2032 (so none
	// clashes with another once approved: maxPending is 730 days × 48),
	// spread over the dates first, a week apart from one request to the
	// next, so that consecutive approvals do not wait for each other's
	// date locks (the day before to the day after).
	var ids []int64
	const days = 730 // 7 and 730 are coprime: k*7 % days visits every date
	for k0 := 0; k0 < nPending; k0 += 1000 {
		err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			for k := k0; k < min(nPending, k0+1000); k++ {
				half := k / days % 48
				start := schedule.Clock(half/2, half%2*30, 0)
				end := schedule.Clock((half+1)/2%24, (half+1)%2*30, 0)
				sh := &pasched.Shift{PeriodID: later.ID, RequestedByID: pas[k%len(pas)].ID,
					Date:  schedule.MustDate(2031, time.January, 1).AddDays(k * 7 % days),
					Start: start, End: end, DurationHundredths: 50, Status: pasched.ShiftPending}
				if err := sqlstore.CreateShift(ctx, tx, sh); err != nil {
					return err
				}
				ids = append(ids, sh.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if idsPath != "" {
		f, err := os.Create(idsPath)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		for _, id := range ids {
			fmt.Fprintln(w, id)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if err := queue(ctx, db, nPAs, nEmails); err != nil {
		return err
	}
	log.Printf("seedload: %d PAs, %d approved shifts in March 2030, %d pending, %d emails queued",
		len(pas), 31*len(pas), len(ids), nEmails)
	return nil
}

// serveSink runs an SMTP sink on addr until SIGINT or SIGTERM, and its
// counter on httpAddr (when not empty).
func serveSink(addr, httpAddr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp sink: %w", err)
	}
	srv := smtptest.Serve(ln, smtptest.CountOnly())
	defer srv.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if httpAddr != "" {
		hln, err := net.Listen("tcp", httpAddr)
		if err != nil {
			return fmt.Errorf("smtp sink counter: %w", err)
		}
		hs := &http.Server{Handler: sinkCounter(srv), ReadHeaderTimeout: 5 * time.Second}
		go hs.Serve(hln)
		defer hs.Close()
	}
	log.Printf("seedload: SMTP sink on %s", ln.Addr())
	<-ctx.Done()
	srv.Close()
	log.Printf("seedload: SMTP sink accepted %d messages over %d connections", srv.Count(), srv.Accepted())
	return nil
}

// sinkCounter answers GET /count and GET /wait?n=N&timeout=D (at most a
// minute) with the messages srv has accepted.
func sinkCounter(srv *smtptest.Server) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, srv.Count())
	})
	mux.HandleFunc("GET /wait", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		timeout, terr := time.ParseDuration(r.URL.Query().Get("timeout"))
		if err != nil || terr != nil || n < 0 || timeout <= 0 || timeout > time.Minute {
			http.Error(w, "want n=<count>&timeout=<duration up to 1m>", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		if _, err := srv.Wait(ctx, n); err != nil {
			http.Error(w, strconv.Itoa(srv.Count()), http.StatusGatewayTimeout)
			return
		}
		fmt.Fprintln(w, srv.Count())
	})
	return mux
}

// waitFiles waits until dir holds n .eml files.
func waitFiles(dir string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got := 0
		entries, err := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".eml") {
				got++
			}
		}
		if err == nil && got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d messages in %s after %v (%v)", got, n, dir, timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// queueOnly queues n emails in a database seedload filled before.
func queueOnly(ctx context.Context, dbURL string, nPAs, n int) error {
	db, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := queue(ctx, db, nPAs, n); err != nil {
		return err
	}
	log.Printf("seedload: %d emails queued", n)
	return nil
}

// queue inserts n email jobs in one transaction, as a burst of changes
// would.
func queue(ctx context.Context, db *sqlstore.DB, nPAs, n int) error {
	if n == 0 {
		return nil
	}
	sys, err := jobs.New(ctx, jobs.Opts{DB: db, FrontendURL: "http://localhost:3000"})
	if err != nil {
		return err
	}
	defer sys.Close()
	return db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		for i := range n {
			m := mail.Message{To: []string{fmt.Sprintf("pa%d@example.com", i%nPAs)},
				Subject: fmt.Sprintf("Load email %d", i), Text: "A queued email of the load test."}
			if err := jobs.EnqueueEmail(ctx, sys.Client, tx, m, fmt.Sprintf("load:%d:%d", time.Now().UnixNano(), i)); err != nil {
				return err
			}
		}
		return nil
	})
}
