package main

import (
	"io"
	"net/http"
	netmail "net/mail"
	"strings"
	"time"
)

// mailDomain is the domain of DEFAULT_FROM_EMAIL ("PA <noreply@example.com>"
// → "example.com"), the right-hand side of the Message-IDs of job emails;
// empty when the address does not parse (jobs then uses its default).
func mailDomain(from string) string {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return ""
	}
	_, domain, ok := strings.Cut(a.Address, "@")
	if !ok {
		return ""
	}
	return domain
}

// HTTP server limits (README, "Timeouts and limits").
const (
	// readHeaderTimeout cuts a client that sends its headers too slowly.
	readHeaderTimeout = 10 * time.Second
	// bodyTimeout is how long a request's body may take to arrive, from
	// the end of its headers: a client announcing 1,000 bytes and sending
	// one holds a connection and a goroutine no longer than this. Bodies
	// here are small JSON or forms (1 MiB at most).
	bodyTimeout = 20 * time.Second
	// idleTimeout closes a keep-alive connection idle that long.
	idleTimeout = 120 * time.Second
	// maxHeaderBytes bounds a request's header block (Go's default is 1 MiB).
	maxHeaderBytes = 64 << 10
)

// httpServer is serve's HTTP server: headers and bodies are read under
// deadlines (bodyDeadline), except a WebSocket's, which lives as long as
// its session.
func httpServer(h http.Handler, body time.Duration) *http.Server {
	return &http.Server{
		Handler:           bodyDeadline(h, body),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// bodyDeadline reads a request's body under a deadline d from now, lifted
// once the body has been read to its end, so that a slow handler is not cut
// (http.Server's ReadTimeout would also cut WebSockets, and cancel a request
// still working after it). A request without a body costs nothing. The
// reader of a body cut by the deadline gets an error (the API answers 400)
// and the server closes the connection.
func bodyDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody || isWebSocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(d)); err == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		next.ServeHTTP(w, r)
	})
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// deadlineBody lifts the read deadline when the body has been read.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
