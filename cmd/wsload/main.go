// Command wsload is pasched's WebSocket load tool: it opens many live-channel
// clients against one running instance, then makes changes through the API
// and measures how long each change takes to reach every client.
//
// Clients are split between a big period (all but -small of them) and a
// small one (-small clients): an admin's direct shift in the big period
// measures the fan-out to (nearly) everyone, one in the small period the
// latency for one period's sockets while all the others stay connected.
// With -pid it also reads the server's resident memory before and after
// connecting, for the memory cost of one socket.
//
//	wsload -url http://127.0.0.1:8000 -email admin@example.com -password … -clients 10000 -small 50 -rounds 5
//
// Every run is bounded: -clients sockets, -rounds changes, -timeout overall.
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
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wsload:", err)
		os.Exit(1)
	}
}

type opts struct {
	base, email, password string
	clients, small        int
	rounds, dialers       int
	pid                   int
	timeout               time.Duration
}

func run() error {
	var o opts
	flag.StringVar(&o.base, "url", "http://127.0.0.1:8000", "server base URL (loopback)")
	flag.StringVar(&o.email, "email", "admin@example.com", "admin email")
	flag.StringVar(&o.password, "password", "", "admin password")
	flag.IntVar(&o.clients, "clients", 1000, "WebSocket clients to open (bounded at 20000)")
	flag.IntVar(&o.small, "small", 50, "clients of the small period")
	flag.IntVar(&o.rounds, "rounds", 5, "changes per period (bounded at 100)")
	flag.IntVar(&o.dialers, "dialers", 64, "concurrent connection attempts")
	flag.IntVar(&o.pid, "pid", 0, "server process id, to read its memory")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "bound of the whole run")
	flag.Parse()
	o.clients = min(o.clients, 20000)
	o.rounds = min(o.rounds, 100)
	o.small = min(o.small, o.clients)
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()

	tok, err := login(ctx, o)
	if err != nil {
		return err
	}
	year := 2100 + int(time.Now().Unix()%500)
	big, err := createPeriod(ctx, o, tok, fmt.Sprintf("wsload big %d", year), year)
	if err != nil {
		return err
	}
	small, err := createPeriod(ctx, o, tok, fmt.Sprintf("wsload small %d", year), year)
	if err != nil {
		return err
	}
	rssBefore := rss(o.pid)

	clients := make([]*client, o.clients)
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dial(ctx, o, tok, period)
			if err != nil {
				dialErr.Store(err)
				return
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	fmt.Printf("connected %d clients in %v (%d in the small period)\n", len(clients), time.Since(start).Round(time.Millisecond), o.small)
	for _, c := range clients {
		go c.read(ctx)
	}
	if o.pid > 0 {
		after := rss(o.pid)
		fmt.Printf("server RSS %d KB before, %d KB after: %.1f KB per socket\n", rssBefore/1024, after/1024,
			float64(after-rssBefore)/1024/float64(len(clients)))
	}

	date := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, target := range []struct {
		name   string
		period int64
		from   int
		to     int
	}{{"big period", big, o.small, len(clients)}, {"small period", small, 0, o.small}} {
		if target.to <= target.from {
			continue
		}
		var lat []time.Duration
		for r := 0; r < o.rounds; r++ {
			date = date.AddDate(0, 0, 1)
			for _, c := range clients[target.from:target.to] {
				c.arm()
			}
			t0 := time.Now()
			if err := directShift(ctx, o, tok, target.period, date); err != nil {
				return err
			}
			for _, c := range clients[target.from:target.to] {
				select {
				case at := <-c.got:
					lat = append(lat, at.Sub(t0))
				case <-ctx.Done():
					return fmt.Errorf("%s: timed out waiting for an event", target.name)
				}
			}
		}
		slices.Sort(lat)
		q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		fmt.Printf("%s: %d deliveries (%d clients x %d changes): p50 %v  p99 %v  max %v\n", target.name, len(lat),
			target.to-target.from, o.rounds, q(0.50).Round(time.Microsecond), q(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	}
	for _, c := range clients {
		c.conn.Close(websocket.StatusNormalClosure, "")
	}
	return nil
}

// client is one socket; got receives the arrival time of the first message
// after arm.
type client struct {
	conn  *websocket.Conn
	armed atomic.Bool
	got   chan time.Time
}

func (c *client) arm() { c.armed.Store(true) }

func (c *client) read(ctx context.Context) {
	for {
		_, r, err := c.conn.Reader(ctx)
		if err != nil {
			return
		}
		// The arrival time is when the frame starts; the body is not needed.
		if c.armed.CompareAndSwap(true, false) {
			c.got <- time.Now()
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return
		}
	}
}

func dial(ctx context.Context, o opts, tok string, period int64) (*client, error) {
	u := strings.Replace(o.base, "http", "ws", 1) + "/ws/schedule/" + strconv.FormatInt(period, 10) + "/?token=" + tok
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		conn, _, err := websocket.Dial(dctx, u, nil)
		if err == nil {
			conn.SetReadLimit(1 << 20)
			_, msg, err := conn.Read(dctx)
			cancel()
			if err != nil {
				return nil, err
			}
			if !bytes.Contains(msg, []byte("connection.established")) {
				return nil, fmt.Errorf("unexpected first message %s", msg)
			}
			return &client{conn: conn, got: make(chan time.Time, 1)}, nil
		}
		cancel()
		last = err
	}
	return nil, last
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

func directShift(ctx context.Context, o opts, tok string, period int64, date time.Time) error {
	return post(ctx, o, "/api/shifts/", tok, map[string]any{
		"schedule_period": period, "date": date.Format("2006-01-02"), "start_time": "06:00", "end_time": "09:00",
		"admin_direct": true}, nil)
}

// rss is a process's resident set in bytes (0 without a pid).
func rss(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
