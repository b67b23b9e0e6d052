package realtime

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// BenchmarkFanout opens N sockets to one period and delivers one change (two
// events) to all of them per iteration. It reports the memory the sockets hold (live heap +
// goroutine stacks after GC, divided by N; the clients are raw TCP
// connections without buffers or goroutines, so this is essentially the
// server's share) and the goroutines per socket.
//
//	go test -run '^$' -bench Fanout -benchtime 20x ./realtime/
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{2000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) { benchmarkFanout(b, n) })
	}
}

func benchmarkFanout(b *testing.B, n int) {
	tb := setup(b, setupOpts{})
	addr := strings.TrimPrefix(tb.srv.URL, "http://")

	before := liveBytes()
	g0 := runtime.NumGoroutine()
	conns := make([]*rawConn, n)
	for i := range conns {
		c, _, err := dialRaw(addr, fmt.Sprintf("/ws/schedule/%d/?token=pa%d", testPeriod, 100+i))
		if err != nil {
			b.Fatalf("socket %d: %v", i, err)
		}
		conns[i] = c
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if got := tb.hub.Count(); got != n {
		b.Fatalf("Count = %d, want %d", got, n)
	}
	perConn := float64(liveBytes()-before) / float64(n)
	goroutines := float64(runtime.NumGoroutine()-g0) / float64(n)

	// A change as the service announces it: the event, then the date's
	// coverage, delivered back to back.
	ev := Event{PeriodID: testPeriod, Full: msg(`{"type":"shift.approved","shift":{"id":1,"status":"APPROVED"},"message":"Shift approved by Ada Admin"}`)}
	cov := Event{PeriodID: testPeriod, Full: msg(`{"type":"coverage.alert","date":"2030-03-02","coverage":{},"message":"Coverage status updated"}`)}
	s0 := tb.hub.Stats()
	b.ResetTimer()
	for range b.N {
		tb.hub.Deliver(ev)
		tb.hub.Deliver(cov)
		for i, c := range conns {
			for _, want := range []Event{ev, cov} {
				if _, p, err := readFrame(c); err != nil || len(p) != len(want.Full) {
					b.Fatalf("socket %d: %d bytes, %v", i, len(p), err)
				}
			}
		}
	}
	b.StopTimer()
	s1 := tb.hub.Stats()
	b.ReportMetric(float64(s1.Writes-s0.Writes)/float64(b.N*n), "writes/socket/change")
	// After the loop: ResetTimer discards metrics reported before it.
	b.ReportMetric(perConn, "bytes/conn")
	b.ReportMetric(goroutines, "goroutines/conn")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/socket/change")
}

// liveBytes is the live heap plus goroutine stacks after a full GC.
func liveBytes() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}
