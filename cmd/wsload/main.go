// Command wsload is pasched's WebSocket load tool: it opens many live-channel
// clients against one `pasched serve`, then makes changes through the API
// and measures how long each change takes to reach every client, and what
// each socket costs the server in memory.
//
// Clients are split between a big period (all but -small of them) and a
// small one (-small clients): an admin's direct shift in the big period
// measures the fan-out to (nearly) everyone, one in the small period the
// latency for one period's sockets while all the others stay connected.
// Latency is reported from when the API call was sent and from when its
// answer came back (the server hands the event to the sockets before it
// answers, so the second can be negative for the first sockets served).
//
// With -serve it starts the server itself (a fresh SQLite database in a
// temporary directory, an admin made with `pasched createadmin`, loopback
// ports, pprof on), measures that exact process and stops it with SIGTERM at
// the end; -runs repeats the whole run and reports medians.
//
//	go build -o /tmp/pasched ./cmd/pasched && go build -o /tmp/wsload ./cmd/wsload
//	/tmp/wsload -serve /tmp/pasched -clients 10000 -small 50 -rounds 5 -runs 3
//
// Against a server started by hand, pass its own pid for the memory figures
// (wsload checks that it is a `pasched serve`):
//
//	pasched serve --addr 127.0.0.1:8000 & wsload -url http://127.0.0.1:8000 -password … -pid $!
//
// Server memory: "before" is read once the server has started and served
// a warm-up (login, periods, a change in each, one socket opened and
// closed); "connected" with every socket open; "after" once the changes
// have been delivered. The cost of a socket is (connected - before) / clients.
//
// Every run is bounded: at most 20,000 sockets, 100 changes per period,
// 5 runs, and -timeout for each run.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wsload:", err)
		os.Exit(1)
	}
}

type opts struct {
	base, email, password string
	serveBin              string
	clients, small        int
	rounds, smallRounds   int
	dialers, runs         int
	pid                   int
	timeout               time.Duration
	cpuProfile            string
	serverProfile         string
	serverProfileSecs     int
}

func run() error {
	var o opts
	flag.StringVar(&o.serveBin, "serve", "", "path of a pasched binary to start and measure (fresh SQLite database)")
	flag.StringVar(&o.base, "url", "http://127.0.0.1:8000", "base URL of a running server (loopback), without -serve")
	flag.StringVar(&o.email, "email", "admin@example.com", "admin email")
	flag.StringVar(&o.password, "password", "", "admin password (without -serve)")
	flag.IntVar(&o.clients, "clients", 1000, "WebSocket clients to open (at most 20000)")
	flag.IntVar(&o.small, "small", 50, "clients of the small period")
	flag.IntVar(&o.rounds, "rounds", 5, "changes in the big period (at most 100)")
	flag.IntVar(&o.smallRounds, "small-rounds", 20, "changes in the small period (at most 100)")
	flag.IntVar(&o.dialers, "dialers", 32, "concurrent connection attempts")
	flag.IntVar(&o.runs, "runs", 1, "runs, each with a fresh server under -serve (at most 5); medians are reported")
	flag.IntVar(&o.pid, "pid", 0, "without -serve: the server's own process id, to read its memory")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "bound of each run")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write this tool's CPU profile of the changes phase to this file")
	flag.StringVar(&o.serverProfile, "server-cpuprofile", "", "with -serve: write the server's CPU profile of the changes phase to this file")
	flag.IntVar(&o.serverProfileSecs, "server-profile-seconds", 10, "length of the server's CPU profile (the changes phase must fit in it)")
	flag.Parse()
	o.clients = max(1, min(o.clients, 20000))
	o.rounds = max(1, min(o.rounds, 100))
	o.smallRounds = max(1, min(o.smallRounds, 100))
	o.runs = max(1, min(o.runs, 5))
	o.small = max(0, min(o.small, o.clients))
	if o.serveBin == "" {
		if !isLoopback(o.base) {
			return fmt.Errorf("-url %s: loopback only", o.base)
		}
		if o.pid > 0 {
			if err := checkServePID(o.pid); err != nil {
				return err
			}
		}
	}

	var results []*result
	for i := 0; i < o.runs; i++ {
		if o.runs > 1 {
			fmt.Printf("run %d of %d\n", i+1, o.runs)
		}
		res, err := runOnce(o, i)
		if err != nil {
			return err
		}
		res.print()
		results = append(results, res)
	}
	if len(results) > 1 {
		printMedians(results)
	}
	return nil
}

// latency is one group's figures, in milliseconds.
type latency struct {
	n                     int
	p50Sent, p99Sent, max float64
	p50Answer, p99Answer  float64
	api                   float64 // median duration of the API call
	name                  string
	clients, changes      int
	sentLat, answeredLat  []time.Duration
	apiDur                []time.Duration
}

type result struct {
	clients                         int
	connect                         time.Duration
	rssBefore, rssConnected, rssEnd int64
	goBefore, goConnected           goMem // from the server's pprof
	big, small                      latency
	shutdown                        time.Duration
}

func (r *result) perSocketKB() float64 {
	if r.rssBefore == 0 {
		return 0
	}
	return float64(r.rssConnected-r.rssBefore) / 1024 / float64(r.clients)
}

func runOnce(o opts, runIdx int) (res *result, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	res = &result{clients: o.clients}
	pid := o.pid
	var srv *server
	if o.serveBin != "" {
		if srv, err = startServer(ctx, o.serveBin); err != nil {
			return nil, err
		}
		defer func() {
			if srv != nil {
				srv.kill()
			}
		}()
		o.base, o.password, pid = srv.base, adminPassword, srv.pid()
	}

	tok, err := login(ctx, o)
	if err != nil {
		return nil, err
	}
	year := 2100 + int(time.Now().Unix()%400) + runIdx
	big, err := createPeriod(ctx, o, tok, fmt.Sprintf("wsload big %d", year), year)
	if err != nil {
		return nil, err
	}
	small, err := createPeriod(ctx, o, tok, fmt.Sprintf("wsload small %d", year), year)
	if err != nil {
		return nil, err
	}
	// Warm-up: a change in each period, one socket opened and closed.
	date := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []int64{big, small} {
		if err := directShift(ctx, o, tok, p, date, "warm-up"); err != nil {
			return nil, err
		}
		date = date.AddDate(0, 0, 1)
		c, err := dialClient(ctx, o.base, wsPath(p, tok), 0)
		if err != nil {
			return nil, fmt.Errorf("warm-up socket: %w", err)
		}
		c.close()
	}
	if pid > 0 {
		res.rssBefore = rss(pid)
	}
	if srv != nil {
		res.goBefore = goMemory(ctx, srv.pprofAddr)
	}

	clients := make([]*client, o.clients)
	var rec atomic.Pointer[recorder]
	rec.Store(newRecorder(make([]int64, o.clients), "", 0))
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, o.dialers)
	var dialErr atomic.Value
	for i := range clients {
		period := big
		if i < o.small {
			period = small
		}
		sem <- struct{}{}
		if dialErr.Load() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := dialClient(dctx, o.base, wsPath(period, tok), i)
			if err != nil {
				dialErr.Store(fmt.Errorf("client %d: %w", i, err))
				return
			}
			clients[i] = c
			go c.read(&rec)
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.close()
			}
		}
	}()
	if err, _ := dialErr.Load().(error); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	res.connect = time.Since(start)
	if pid > 0 {
		res.rssConnected = rss(pid)
	}
	if srv != nil {
		res.goConnected = goMemory(ctx, srv.pprofAddr)
	}

	stopProfiles, err := startProfiles(ctx, o, srv, runIdx)
	if err != nil {
		return nil, err
	}
	// quiesce waits until every socket has answered a ping sent now, so
	// that everything queued before (the rest of the last change) has been
	// delivered and the next change is timed on a quiet server.
	quiesces := 0
	quiesce := func() error {
		quiesces++
		// The closing quote ends the marker: "…-1" is not "…-10".
		stamp := fmt.Sprintf("wsload-quiet-%d-%d", runIdx, quiesces)
		rc := newRecorder(rec.Load().at, stamp+`"`, len(clients))
		rec.Store(rc)
		rc.arm(clients)
		ping := []byte(`{"type":"ping","timestamp":"` + stamp + `"}`)
		for _, c := range clients {
			if err := c.writeFrame(opText, ping); err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		}
		select {
		case <-rc.done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("%d of %d clients did not answer a ping", rc.pending.Load(), len(clients))
		}
	}
	for _, g := range []struct {
		lat    *latency
		name   string
		period int64
		cs     []*client
		rounds int
	}{{&res.big, "big period", big, clients[o.small:], o.rounds}, {&res.small, "small period", small, clients[:o.small], o.smallRounds}} {
		g.lat.name, g.lat.clients, g.lat.changes = g.name, len(g.cs), g.rounds
		if len(g.cs) == 0 {
			continue
		}
		for r := 0; r < g.rounds; r++ {
			if err := quiesce(); err != nil {
				return nil, err
			}
			date = date.AddDate(0, 0, 1)
			notes := fmt.Sprintf("wsload %d/%d", runIdx, date.YearDay())
			rc := newRecorder(rec.Load().at, `"notes":"`+notes+`"`, len(g.cs))
			rec.Store(rc)
			rc.arm(g.cs)
			t0 := time.Now()
			if err := directShift(ctx, o, tok, g.period, date, notes); err != nil {
				return nil, err
			}
			t1 := time.Now()
			select {
			case <-rc.done:
			case <-ctx.Done():
				return nil, fmt.Errorf("%s: %d of %d clients did not receive change %d", g.name, rc.pending.Load(), len(g.cs), r+1)
			}
			g.lat.apiDur = append(g.lat.apiDur, t1.Sub(t0))
			for _, c := range g.cs {
				at := rc.at[c.idx]
				g.lat.sentLat = append(g.lat.sentLat, time.Duration(at-t0.UnixNano()))
				g.lat.answeredLat = append(g.lat.answeredLat, time.Duration(at-t1.UnixNano()))
			}
		}
		g.lat.summarise()
	}
	if err := stopProfiles(); err != nil {
		return nil, err
	}
	if pid > 0 {
		res.rssEnd = rss(pid)
	}
	if srv != nil {
		// Stop the server with every socket open: each gets 1001.
		d, err := srv.stop()
		srv = nil
		if err != nil {
			return nil, err
		}
		res.shutdown = d
	}
	return res, nil
}

func (l *latency) summarise() {
	slices.Sort(l.sentLat)
	slices.Sort(l.answeredLat)
	slices.Sort(l.apiDur)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	q := func(s []time.Duration, p float64) float64 { return ms(s[min(len(s)-1, int(p*float64(len(s))))]) }
	l.n = len(l.sentLat)
	l.p50Sent, l.p99Sent, l.max = q(l.sentLat, 0.5), q(l.sentLat, 0.99), ms(l.sentLat[len(l.sentLat)-1])
	l.p50Answer, l.p99Answer = q(l.answeredLat, 0.5), q(l.answeredLat, 0.99)
	l.api = q(l.apiDur, 0.5)
}

func (r *result) print() {
	fmt.Printf("connected %d clients in %v (%d in the small period)\n", r.clients, r.connect.Round(time.Millisecond), r.small.clients)
	if r.rssBefore > 0 {
		fmt.Printf("server RSS: %.1f MB before, %.1f MB connected, %.1f MB after the changes: %.1f KB per socket\n",
			mb(r.rssBefore), mb(r.rssConnected), mb(r.rssEnd), r.perSocketKB())
	}
	if r.goBefore.heap > 0 && r.goConnected.heap > 0 {
		per := func(a, b int64) float64 { return float64(b-a) / 1024 / float64(r.clients) }
		fmt.Printf("server Go memory per socket: heap in use %.1f KB, stacks %.1f KB, goroutines %.2f\n",
			per(r.goBefore.heap, r.goConnected.heap), per(r.goBefore.stack, r.goConnected.stack),
			float64(r.goConnected.goroutines-r.goBefore.goroutines)/float64(r.clients))
	}
	for _, l := range []latency{r.big, r.small} {
		if l.n == 0 {
			continue
		}
		fmt.Printf("%s: %d deliveries (%d clients x %d changes), API call %.1f ms\n"+
			"    from the call: p50 %.1f ms  p99 %.1f ms  max %.1f ms;  from its answer: p50 %.1f ms  p99 %.1f ms\n",
			l.name, l.n, l.clients, l.changes, l.api, l.p50Sent, l.p99Sent, l.max, l.p50Answer, l.p99Answer)
	}
	if r.shutdown > 0 {
		fmt.Printf("server stopped by SIGTERM with %d sockets open in %v, exit 0\n", r.clients, r.shutdown.Round(time.Millisecond))
	}
}

func printMedians(rs []*result) {
	med := func(f func(*result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	fmt.Printf("\nmedians of %d runs (%d clients):\n", len(rs), rs[0].clients)
	if rs[0].rssBefore > 0 {
		fmt.Printf("  server memory: %.1f KB per socket (RSS %.1f MB connected)\n",
			med(func(r *result) float64 { return r.perSocketKB() }), med(func(r *result) float64 { return mb(r.rssConnected) }))
	}
	for _, g := range []struct {
		name string
		get  func(*result) *latency
	}{{"big period", func(r *result) *latency { return &r.big }}, {"small period", func(r *result) *latency { return &r.small }}} {
		if g.get(rs[0]).n == 0 {
			continue
		}
		fmt.Printf("  %s (%d clients): from the call p50 %.1f ms p99 %.1f ms; from its answer p50 %.1f ms p99 %.1f ms; API call %.1f ms\n",
			g.name, g.get(rs[0]).clients,
			med(func(r *result) float64 { return g.get(r).p50Sent }), med(func(r *result) float64 { return g.get(r).p99Sent }),
			med(func(r *result) float64 { return g.get(r).p50Answer }), med(func(r *result) float64 { return g.get(r).p99Answer }),
			med(func(r *result) float64 { return g.get(r).api }))
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// goMem is what the server's runtime says of its memory.
type goMem struct{ heap, stack, goroutines int64 }

// goMemory reads HeapInuse and the stacks in use from the runtime.MemStats at the
// end of the server's pprof heap page, and the goroutine count (zero when
// unavailable). No GC is forced: the heap includes garbage not yet
// collected.
func goMemory(ctx context.Context, pprofAddr string) goMem {
	var m goMem
	if pprofAddr == "" {
		return m
	}
	get := func(path string) string {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+pprofAddr+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return ""
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}
	for _, line := range strings.Split(get("/debug/pprof/heap?debug=1"), "\n") {
		fmt.Sscanf(line, "# HeapInuse = %d", &m.heap)
		fmt.Sscanf(line, "# Stack = %d", &m.stack)
	}
	fmt.Sscanf(get("/debug/pprof/goroutine?debug=1"), "goroutine profile: total %d", &m.goroutines)
	return m
}

// startProfiles starts this tool's CPU profile and, under -serve, the
// server's (through its pprof listener); stop ends both and writes them.
func startProfiles(ctx context.Context, o opts, srv *server, runIdx int) (stop func() error, err error) {
	suffix := func(name string) string {
		if o.runs > 1 {
			return fmt.Sprintf("%s.%d", name, runIdx+1)
		}
		return name
	}
	var stops []func() error
	if o.cpuProfile != "" {
		f, err := os.Create(suffix(o.cpuProfile))
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, err
		}
		stops = append(stops, func() error { pprof.StopCPUProfile(); return f.Close() })
	}
	if o.serverProfile != "" {
		if srv == nil || srv.pprofAddr == "" {
			return nil, errors.New("-server-cpuprofile needs -serve")
		}
		// The server profiles for o.serverProfileSecs from now; stop waits
		// for the profile (net/http/pprof drops it if the request ends
		// early), so make the phase shorter than that.
		done := make(chan error, 1)
		go func() {
			done <- func() error {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
					fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", srv.pprofAddr, o.serverProfileSecs), nil)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return err
				}
				defer res.Body.Close()
				if res.StatusCode != http.StatusOK {
					return fmt.Errorf("server profile: %s", res.Status)
				}
				f, err := os.Create(suffix(o.serverProfile))
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = io.Copy(f, res.Body)
				return err
			}()
		}()
		stops = append(stops, func() error { return <-done })
	}
	return func() error {
		var errs []error
		for _, s := range stops {
			errs = append(errs, s())
		}
		return errors.Join(errs...)
	}, nil
}

func isLoopback(base string) bool {
	h := strings.TrimPrefix(base, "http://")
	return strings.HasPrefix(h, "127.") || strings.HasPrefix(h, "localhost:") || strings.HasPrefix(h, "[::1]:")
}

func post(ctx context.Context, o opts, path, tok string, body any, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %d %s", path, res.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func login(ctx context.Context, o opts) (string, error) {
	var res struct {
		Tokens struct {
			Access string `json:"access"`
		} `json:"tokens"`
	}
	if err := post(ctx, o, "/api/auth/login/", "", map[string]string{"email": o.email, "password": o.password}, &res); err != nil {
		return "", err
	}
	if res.Tokens.Access == "" {
		return "", errors.New("login: no access token")
	}
	return res.Tokens.Access, nil
}

func createPeriod(ctx context.Context, o opts, tok, name string, year int) (int64, error) {
	var res struct {
		ID int64 `json:"id"`
	}
	err := post(ctx, o, "/api/schedule-periods/", tok, map[string]string{
		"name": name, "start_date": fmt.Sprintf("%d-01-01", year), "end_date": fmt.Sprintf("%d-12-31", year)}, &res)
	if err == nil && res.ID == 0 {
		err = errors.New("create period: no id in the response")
	}
	return res.ID, err
}

// directShift creates an approved shift as the admin; notes is the marker
// the clients look for in shift.approved.
func directShift(ctx context.Context, o opts, tok string, period int64, date time.Time, notes string) error {
	return post(ctx, o, "/api/shifts/", tok, map[string]any{
		"schedule_period": period, "date": date.Format("2006-01-02"), "start_time": "06:00", "end_time": "09:00",
		"notes": notes, "admin_direct": true}, nil)
}
