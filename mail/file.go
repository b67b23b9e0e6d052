package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	gomail "github.com/wneessen/go-mail"
)

type fileSender struct {
	dir  string
	from string
}

// NewFile returns a Sender that writes each message as its own .eml file in dir
// (EMAIL_FILE_PATH), creating dir if needed. A message with an ID is named after it
// ("<ID>.eml", so a job's email is found by its Message-ID), and a second delivery of
// the same ID writes nothing and returns ErrAlreadyDelivered. Messages without an ID are named by
// time stamp plus random suffix. Each file is written to a temporary name and
// linked into place, so a reader never sees a partial message. Files are readable by the owner only,
// since messages carry verification and reset links.
func NewFile(dir, from string) (Sender, error) {
	if dir == "" {
		return nil, errors.New("mail: the file backend needs EMAIL_FILE_PATH")
	}
	if err := checkFrom(from); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mail: create EMAIL_FILE_PATH: %w", err)
	}
	return &fileSender{dir: dir, from: from}, nil
}

func (f *fileSender) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	msg, err := buildMsg(f.from, m, gomail.EncodingQP)
	if err != nil {
		return err
	}
	var suffix [8]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return fmt.Errorf("mail: file name: %w", err)
	}
	unique := time.Now().UTC().Format("20060102-150405.000000000") + "-" + hex.EncodeToString(suffix[:])
	name := unique + ".eml"
	id := fileName(messageID(m.ID))
	if id != "" {
		name = id + ".eml"
	}

	// The temporary name does not end in .eml: whoever lists the messages
	// (*.eml) never sees one half written.
	tmp, err := os.CreateTemp(f.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("mail: create message file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := msg.WriteTo(tmp); err != nil {
		return fmt.Errorf("mail: write message file: %w", err)
	}
	// No fsync: a killed process loses nothing written (the page cache
	// survives it), and a power cut may lose the last messages as SQLite's
	// synchronous=NORMAL may lose the last commits. Syncing each file
	// capped a burst at about 500 messages a second on the development
	// machine; this is the development and test backend, SMTP the
	// production one.
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail: close message file: %w", err)
	}
	// Link, not rename: it fails instead of replacing a message already
	// delivered under this ID, which makes the send idempotent.
	err = os.Link(tmp.Name(), filepath.Join(f.dir, name))
	if errors.Is(err, fs.ErrExist) && id != "" {
		return ErrAlreadyDelivered
	}
	if err != nil {
		return fmt.Errorf("mail: link message file: %w", err)
	}
	os.Remove(tmp.Name())
	done = true
	return nil
}

// ErrAlreadyDelivered is the file backend's answer to a message whose ID it
// has already delivered: nothing was written, and the message is where the
// first delivery put it.
var ErrAlreadyDelivered = errors.New("mail: a message with this Message-ID was already delivered")

// fileName keeps the characters of a Message-ID that are safe in a file
// name everywhere; others become '_'.
func fileName(id string) string {
	b := []byte(id)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '_', c == '@', c == '+':
		default:
			b[i] = '_'
		}
	}
	if len(b) > 200 {
		b = b[:200]
	}
	if len(b) > 0 && b[0] == '.' {
		b[0] = '_' // not a hidden file (nor a temporary one)
	}
	return string(b)
}
