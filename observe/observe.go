// Package observe is what an operator watches: Prometheus metrics (served
// in the text format by the official client library), a request id that
// every response carries in X-Request-ID and every log record of the
// request repeats, and the slog handler that adds it.
//
// It knows nothing of the packages it measures: the process hands it
// functions that read their counters (Sources), so the database, the job
// queue and the WebSocket hub are read only when /metrics is scraped.
package observe

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// JobCount is how many jobs of a kind are in a state.
type JobCount struct {
	Kind, State string
	N           int
}

// Sources read the counters of the other packages at scrape time; a nil
// function leaves its series out.
type Sources struct {
	// Sockets is the number of open WebSockets.
	Sockets func() int
	// Events returns how many messages the hub has written to sockets and
	// how many sockets it dropped as too slow (with what was queued).
	Events func() (delivered, dropped uint64)
	// Emails returns how many emails a sender accepted and how many
	// attempts failed.
	Emails func() (sent, failed uint64)
	// Jobs counts the job queue by kind and state.
	Jobs func(ctx context.Context) ([]JobCount, error)
	// Pools are the database/sql pools by name ("write", "read").
	Pools func() map[string]sql.DBStats
}

// Metrics holds the registry and the HTTP series.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// counters and observers cache the labelled series, so a request
	// costs two map reads, not two label hashes.
	counters  sync.Map // routeCode → prometheus.Counter
	observers sync.Map // routeKey → prometheus.Observer
}

type routeKey struct{ route, method string }

type routeCode struct {
	routeKey
	code int
}

// New registers the process's series.
func New(src Sources) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pasched_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pasched_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request (WebSocket sessions excluded), by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if src.Sockets != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pasched_websockets_open", Help: "Open WebSocket connections.",
		}, func() float64 { return float64(src.Sockets()) }))
	}
	if src.Events != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "pasched_events_delivered_total", Help: "Live messages written to WebSockets.",
		}, func() float64 { d, _ := src.Events(); return float64(d) }))
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "pasched_events_dropped_total", Help: "WebSockets dropped as too slow, losing what was queued for them.",
		}, func() float64 { _, d := src.Events(); return float64(d) }))
	}
	if src.Emails != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "pasched_emails_sent_total", Help: "Emails accepted by the sender (SMTP server, file or console).",
		}, func() float64 { s, _ := src.Emails(); return float64(s) }))
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "pasched_emails_failed_total", Help: "Email sending attempts that failed (each retry counts).",
		}, func() float64 { _, f := src.Emails(); return float64(f) }))
	}
	if src.Jobs != nil {
		m.reg.MustRegister(&jobsCollector{count: src.Jobs})
	}
	if src.Pools != nil {
		m.reg.MustRegister(&poolCollector{stats: src.Pools})
	}
	return m
}

// Registry is where the series live (tests and extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slogLogger{}, ErrorHandling: promhttp.ContinueOnError})
}

// slogLogger hands promhttp's errors to slog.
type slogLogger struct{}

func (slogLogger) Println(v ...any) { slog.Error("metrics", "err", v) }

// observe counts one answered request.
func (m *Metrics) observe(route, method string, code int, d time.Duration, websocket bool) {
	key := routeCode{routeKey{route, method}, code}
	c, ok := m.counters.Load(key)
	if !ok {
		c, _ = m.counters.LoadOrStore(key, m.requests.WithLabelValues(route, method, strconv.Itoa(code)))
	}
	c.(prometheus.Counter).Inc()
	if websocket {
		return // a session's length is not a latency
	}
	o, ok := m.observers.Load(key.routeKey)
	if !ok {
		o, _ = m.observers.LoadOrStore(key.routeKey, m.duration.WithLabelValues(route, method))
	}
	o.(prometheus.Observer).Observe(d.Seconds())
}

// jobsCollector reads the job queue's counts at scrape time.
type jobsCollector struct {
	count func(ctx context.Context) ([]JobCount, error)
}

var jobsDesc = prometheus.NewDesc("pasched_jobs", "Jobs in the queue by kind and state (completed jobs are kept 24 hours).",
	[]string{"kind", "state"}, nil)

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	for _, jc := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(jc.N), jc.Kind, jc.State)
	}
}

// poolCollector reads database/sql's pool statistics.
type poolCollector struct {
	stats func() map[string]sql.DBStats
}

var (
	poolOpen  = prometheus.NewDesc("pasched_db_connections", "Database connections by pool and state (in_use, idle).", []string{"pool", "state"}, nil)
	poolMax   = prometheus.NewDesc("pasched_db_connections_max", "Most connections a pool may open.", []string{"pool"}, nil)
	poolWaits = prometheus.NewDesc("pasched_db_waits_total", "Times a query waited for a free connection.", []string{"pool"}, nil)
	poolWait  = prometheus.NewDesc("pasched_db_wait_seconds_total", "Time spent waiting for a free connection.", []string{"pool"}, nil)
)

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolOpen
	ch <- poolMax
	ch <- poolWaits
	ch <- poolWait
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.InUse), name, "in_use")
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.Idle), name, "idle")
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}
