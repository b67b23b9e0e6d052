package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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
// (EMAIL_FILE_PATH), creating dir if needed. Names sort by time and never collide
// (time stamp plus random suffix); each file is written to a temporary name, synced and
// renamed, so a reader never sees a partial message. Files are readable by the owner only,
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
	name := time.Now().UTC().Format("20060102-150405.000000000") + "-" + hex.EncodeToString(suffix[:]) + ".eml"

	tmp, err := os.CreateTemp(f.dir, ".tmp-*.eml")
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
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("mail: sync message file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail: close message file: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(f.dir, name)); err != nil {
		return fmt.Errorf("mail: rename message file: %w", err)
	}
	done = true
	return nil
}
