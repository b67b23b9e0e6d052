package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig configures the smtp backend; the fields mirror Django's EMAIL_* settings.
type SMTPConfig struct {
	Host     string // EMAIL_HOST
	Port     int    // EMAIL_PORT; 0 means 587 with UseTLS, 465 with UseSSL, else 25
	Username string // EMAIL_HOST_USER; when set, SMTP AUTH (PLAIN, else LOGIN) is required
	Password string // EMAIL_HOST_PASSWORD
	UseTLS   bool   // EMAIL_USE_TLS: STARTTLS, mandatory (a server without it is refused)
	UseSSL   bool   // EMAIL_USE_SSL: implicit TLS from the first byte (port 465)
	From     string // DEFAULT_FROM_EMAIL
	// Timeout bounds the dial and each exchange with the server; 0 means 15 seconds.
	Timeout time.Duration
}

type smtpSender struct {
	cfg SMTPConfig
}

// NewSMTP returns a Sender that delivers through the SMTP server cfg names, one
// connection per message. With neither UseTLS nor UseSSL the conversation is plain text,
// which is meant for local sinks; credentials are then sent only to localhost, as
// go-mail's PLAIN and LOGIN mechanisms refuse to expose them elsewhere.
func NewSMTP(cfg SMTPConfig) (Sender, error) {
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" {
		return nil, errors.New("mail: the smtp backend needs EMAIL_HOST")
	}
	if cfg.UseTLS && cfg.UseSSL {
		return nil, errors.New("mail: EMAIL_USE_TLS and EMAIL_USE_SSL are mutually exclusive")
	}
	if cfg.Port == 0 {
		switch {
		case cfg.UseTLS:
			cfg.Port = 587
		case cfg.UseSSL:
			cfg.Port = 465
		default:
			cfg.Port = 25
		}
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: invalid EMAIL_PORT %d", cfg.Port)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("mail: invalid SMTP timeout %v", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = gomail.DefaultTimeout
	}
	if cfg.From == "" {
		cfg.From = DefaultFrom
	}
	if err := checkFrom(cfg.From); err != nil {
		return nil, err
	}
	// Build a client once so that option errors surface at start-up, not at first send.
	if _, err := newSMTPClient(cfg, nil); err != nil {
		return nil, err
	}
	return &smtpSender{cfg: cfg}, nil
}

// Send dials the server, delivers m and says QUIT. Cancelling ctx closes the connection.
// A refusal by the server is a *gomail.SendError; IsPermanent tells 5xx from 4xx.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	msg, err := buildMsg(s.cfg.From, m, gomail.EncodingQP)
	if err != nil {
		return err
	}
	// A fresh client per message: go-mail's Client keeps per-connection state, and a
	// connection per message is what the seed's send_mail did too.
	// Cancelling ctx closes the connection, which aborts whatever exchange is under way.
	var stop func() bool
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	client, err := newSMTPClient(s.cfg, func(c net.Conn) {
		stop = context.AfterFunc(ctx, func() { c.Close() })
	})
	if err != nil {
		return err
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return s.fail(ctx, "connect to", err)
	}
	if err := client.SendWithSMTPClient(conn, msg); err != nil {
		_ = client.CloseWithSMTPClient(conn)
		return s.fail(ctx, "send through", err)
	}
	// The message was accepted (250 after DATA); a failed QUIT does not undo that.
	_ = client.CloseWithSMTPClient(conn)
	return nil
}

// fail wraps err, preferring ctx's error when the send was cancelled.
func (s *smtpSender) fail(ctx context.Context, action string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("mail: %s SMTP server %s:%d: %w (%v)", action, s.cfg.Host, s.cfg.Port, ctxErr, err)
	}
	return fmt.Errorf("mail: %s SMTP server %s:%d: %w", action, s.cfg.Host, s.cfg.Port, err)
}

// newSMTPClient builds a go-mail client for cfg; onConn, when not nil, is handed each
// connection the client dials.
func newSMTPClient(cfg SMTPConfig, onConn func(net.Conn)) (*gomail.Client, error) {
	tlsConfig := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var conn net.Conn
		var err error
		if cfg.UseSSL {
			conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = d.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		if onConn != nil {
			onConn(conn)
		}
		return conn, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dial),
	}
	switch {
	case cfg.UseSSL:
		opts = append(opts, gomail.WithSSL())
	case cfg.UseTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.Username != "" {
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(cfg.Username),
			gomail.WithPassword(cfg.Password))
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: configure SMTP client: %w", err)
	}
	return client, nil
}
