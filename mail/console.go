package mail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	gomail "github.com/wneessen/go-mail"
)

// consoleSeparator follows every message, as Django's console backend does.
var consoleSeparator = strings.Repeat("-", 79) + "\n"

type console struct {
	mu   sync.Mutex // one message at a time, so concurrent sends never interleave
	w    io.Writer
	from string
}

// NewConsole returns a Sender that writes each message to w as an RFC 5322 message
// followed by a line of dashes, like Django's console backend. Bodies are written as
// 8-bit UTF-8 so they stay readable in a terminal or log. It is meant for development.
func NewConsole(w io.Writer, from string) Sender {
	return &console{w: w, from: from}
}

func (c *console) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	msg, err := buildMsg(c.from, m, gomail.NoEncoding)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return fmt.Errorf("mail: render message: %w", err)
	}
	// Terminals want LF; the message itself uses CRLF as RFC 5322 requires.
	out := bytes.ReplaceAll(buf.Bytes(), []byte("\r\n"), []byte("\n"))
	if !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	out = append(out, consoleSeparator...)

	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.w.Write(out); err != nil {
		return fmt.Errorf("mail: write to console: %w", err)
	}
	return nil
}
