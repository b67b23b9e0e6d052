package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"pasched/api"
	coveragesvc "pasched/coverage"
	"pasched/throttle"
)

// config is every setting, from the environment and a .env file, with the
// seed's names where it has them.
type config struct {
	SecretKey    string
	Debug        bool
	AllowedHosts []string
	DatabaseURL  string
	CORSOrigins  []string
	FrontendURL  string
	// PublicURL is where this server is reached from outside (PUBLIC_URL):
	// the base of calendar feed and unsubscribe links.
	PublicURL        string
	DefaultFromEmail string
	EmailBackend     string
	EmailHost        string
	EmailPort        int
	EmailUser        string
	EmailPassword    string
	EmailUseTLS      bool
	EmailUseSSL      bool
	EmailFilePath    string
	// EmailMaxRate is EMAIL_MAX_RATE as jobs.Opts.EmailRate takes it:
	// unset 0 (the default cap), "0" -1 (no cap).
	EmailMaxRate  float64
	TimeZone      *time.Location
	CriticalTimes string
	OpenAIKey     string
	OpenAIBaseURL string
	OpenAIModel   string
	// CoverageCheckDays is the daily coverage digest's horizon.
	CoverageCheckDays int
	LogLevel          string
	// LogFormat is LOG_FORMAT: "json" (one JSON object a line, the
	// default) or "text" (slog's key=value).
	LogFormat string
	// PprofAddr, when set (PPROF_ADDR), serves net/http/pprof on that
	// loopback address, for profiling; never on a public interface.
	PprofAddr string
	// API holds TRUSTED_PROXIES and the THROTTLE_ rates too, which the web
	// app shares.
	API api.Config
	// JobsDeadAfter is JOBS_DEAD_AFTER: how long a worker process may be
	// silent before its running jobs go back to the queue (0: the jobs
	// package's default).
	JobsDeadAfter time.Duration
}

// loadConfig reads .env (never overriding the real environment) and then
// the environment.
func loadConfig() (*config, error) {
	if _, err := os.Stat(".env"); err == nil {
		if err := godotenv.Load(".env"); err != nil {
			return nil, fmt.Errorf("read .env: %w", err)
		}
	}
	env := func(k, def string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return def
	}
	c := &config{
		SecretKey:    env("SECRET_KEY", ""),
		Debug:        env("DEBUG", "False") == "True",
		AllowedHosts: splitList(env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")),
		DatabaseURL:  env("DATABASE_URL", "sqlite:///pasched.db"),
		CORSOrigins:  splitList(env("CORS_ALLOWED_ORIGINS", "http://localhost:3000")),
		// Unset, email links open this server's own pages (serve fills it
		// in with the address it listens on).
		FrontendURL: strings.TrimRight(env("FRONTEND_URL", ""), "/"),
		// Unset, feed and unsubscribe links use the address serve listens on.
		PublicURL:        strings.TrimRight(env("PUBLIC_URL", ""), "/"),
		DefaultFromEmail: env("DEFAULT_FROM_EMAIL", "noreply@example.com"),
		EmailBackend:     env("EMAIL_BACKEND", "console"),
		EmailHost:        env("EMAIL_HOST", "localhost"),
		EmailUser:        env("EMAIL_HOST_USER", ""),
		EmailPassword:    env("EMAIL_HOST_PASSWORD", ""),
		EmailFilePath:    env("EMAIL_FILE_PATH", "sent_emails"),
		CriticalTimes:    env("CRITICAL_TIMES", "06:00-09:00,21:00-22:00"),
		OpenAIKey:        env("OPENAI_API_KEY", ""),
		OpenAIBaseURL:    env("OPENAI_BASE_URL", coveragesvc.DefaultOpenAIBaseURL),
		OpenAIModel:      env("OPENAI_MODEL", coveragesvc.DefaultOpenAIModel),
		LogLevel:         env("LOG_LEVEL", "INFO"),
		LogFormat:        env("LOG_FORMAT", "json"),
		PprofAddr:        env("PPROF_ADDR", ""),
	}
	var err error
	if c.EmailPort, err = strconv.Atoi(env("EMAIL_PORT", "587")); err != nil {
		return nil, fmt.Errorf("EMAIL_PORT: %w", err)
	}
	if c.EmailUseTLS, err = parseBool(env("EMAIL_USE_TLS", "True")); err != nil {
		return nil, fmt.Errorf("EMAIL_USE_TLS: %w", err)
	}
	if c.EmailUseSSL, err = parseBool(env("EMAIL_USE_SSL", "False")); err != nil {
		return nil, fmt.Errorf("EMAIL_USE_SSL: %w", err)
	}
	if c.EmailMaxRate, err = parseEmailRate(env("EMAIL_MAX_RATE", "")); err != nil {
		return nil, fmt.Errorf("EMAIL_MAX_RATE: %w", err)
	}
	if c.CoverageCheckDays, err = coveragesvc.ParseDays(env("COVERAGE_CHECK_DAYS", strconv.Itoa(coveragesvc.DefaultDays))); err != nil {
		return nil, fmt.Errorf("COVERAGE_CHECK_DAYS: %w", err)
	}
	if c.TimeZone, err = time.LoadLocation(env("TIME_ZONE", "UTC")); err != nil {
		return nil, fmt.Errorf("TIME_ZONE: %w", err)
	}
	if v := env("JOBS_DEAD_AFTER", ""); v != "" {
		if c.JobsDeadAfter, err = time.ParseDuration(v); err != nil || c.JobsDeadAfter < time.Second {
			return nil, fmt.Errorf("JOBS_DEAD_AFTER: %q is not a duration of at least 1s", v)
		}
	}
	c.API.AllowedHosts = c.AllowedHosts
	c.API.CORSOrigins = c.CORSOrigins
	if c.API.TrustedProxies, err = api.ParseTrustedProxies(env("TRUSTED_PROXIES", "")); err != nil {
		return nil, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	api.DefaultRates(&c.API)
	for name, dst := range map[string]*throttle.Rate{
		"THROTTLE_LOGIN_IP": &c.API.LoginIPRate, "THROTTLE_LOGIN_ACCOUNT": &c.API.LoginAccountRate,
		"THROTTLE_REGISTER_IP": &c.API.RegisterIPRate, "THROTTLE_REGISTER_ACCOUNT": &c.API.RegisterAccountRate,
		"THROTTLE_RESET_IP":      &c.API.ResetIPRate,
		"THROTTLE_RESET_ACCOUNT": &c.API.ResetAccountRate,
		// The web app's own forms.
		"THROTTLE_RESET_CONFIRM_IP": &c.API.ResetConfirmIPRate,
		"THROTTLE_SETUP_IP":         &c.API.SetupIPRate,
	} {
		if v, ok := os.LookupEnv(name); ok {
			r, err := throttle.ParseRate(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			*dst = r
		}
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %q", s)
}

// publicURL is where feed and unsubscribe links point: PUBLIC_URL (serve
// sets it to its listen address when unset), else FRONTEND_URL, else the
// default address. A deployment whose FRONTEND_URL is another server sets
// PUBLIC_URL, for the workers' emails too.
func publicURL(c *config) string {
	switch {
	case c.PublicURL != "":
		return c.PublicURL
	case c.FrontendURL != "":
		return c.FrontendURL
	}
	return "http://localhost:8000"
}

// parseEmailRate reads EMAIL_MAX_RATE, emails a second a process may send:
// empty is the default cap (0 for jobs.Opts), "0" no cap (-1), else a
// positive number.
func parseEmailRate(v string) (float64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	r, err := strconv.ParseFloat(v, 64)
	switch {
	case err != nil || math.IsNaN(r) || math.IsInf(r, 0) || r < 0:
		return 0, fmt.Errorf("%q is not a rate (emails a second, 0 for no cap)", v)
	case r == 0:
		return -1, nil
	}
	return r, nil
}
