-- SQLite schema. Dates are TEXT 'YYYY-MM-DD', times TEXT 'HH:MM:SS[.ffffff]',
-- timestamps TEXT RFC 3339 UTC with microseconds: all sort lexically in time
-- order. Decimals are NUMERIC and read back as ROUND(x*100).
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    password TEXT NOT NULL,
    last_login TEXT NULL,
    is_superuser INTEGER NOT NULL DEFAULT 0,
    username TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    is_staff INTEGER NOT NULL DEFAULT 0,
    is_active INTEGER NOT NULL DEFAULT 1,
    date_joined TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    phone_number TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'PA',
    is_email_verified INTEGER NOT NULL DEFAULT 0,
    tokens_valid_after TEXT NULL
);

CREATE TABLE email_verification_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX email_verification_tokens_user ON email_verification_tokens(user_id);

CREATE TABLE password_reset_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX password_reset_tokens_user ON password_reset_tokens(user_id);

CREATE TABLE pa_profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    preferred_start_time TEXT NULL,
    preferred_end_time TEXT NULL,
    preferred_days TEXT NOT NULL DEFAULT '[]',
    max_hours_per_week INTEGER NOT NULL DEFAULT 40,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    user_id INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE pa_schedule_stats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    total_shifts_worked INTEGER NOT NULL DEFAULT 0,
    total_hours_worked NUMERIC NOT NULL DEFAULT 0,
    average_hours_per_week NUMERIC NOT NULL DEFAULT 0,
    most_common_days TEXT NOT NULL DEFAULT '{}',
    most_common_start_time TEXT NULL,
    most_common_shift_length NUMERIC NULL,
    preferred_shift_pattern TEXT NOT NULL DEFAULT '',
    reliability_score NUMERIC NOT NULL DEFAULT 100,
    typical_request_timing INTEGER NULL,
    consecutive_days_preference INTEGER NULL,
    last_worked_date TEXT NULL,
    last_calculated TEXT NOT NULL,
    pa_id INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE schedule_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'OPEN',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by_id INTEGER NOT NULL REFERENCES users(id) ON DELETE RESTRICT
);
CREATE INDEX schedule_periods_start ON schedule_periods(start_date);

CREATE TABLE shift_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    duration_hours NUMERIC NOT NULL,
    status TEXT NOT NULL DEFAULT 'PENDING',
    notes TEXT NOT NULL DEFAULT '',
    admin_notes TEXT NOT NULL DEFAULT '',
    rejected_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    approved_at TEXT NULL,
    approved_by_id INTEGER NULL REFERENCES users(id) ON DELETE SET NULL,
    requested_by_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    schedule_period_id INTEGER NOT NULL REFERENCES schedule_periods(id) ON DELETE CASCADE
);
CREATE INDEX shift_requests_status_date ON shift_requests(status, date);
CREATE INDEX shift_requests_pa_date ON shift_requests(requested_by_id, date);
CREATE INDEX shift_requests_period ON shift_requests(schedule_period_id, created_at);
CREATE INDEX shift_requests_date ON shift_requests(date);

CREATE TABLE critical_time_coverage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    date TEXT NOT NULL UNIQUE,
    morning_covered INTEGER NOT NULL DEFAULT 0,
    evening_covered INTEGER NOT NULL DEFAULT 0,
    -- every configured window, as JSON [{"start":"06:00:00","end":"09:00:00","covered":true,"shift_id":1}]
    windows TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL,
    evening_shift_id INTEGER NULL REFERENCES shift_requests(id) ON DELETE SET NULL,
    morning_shift_id INTEGER NULL REFERENCES shift_requests(id) ON DELETE SET NULL
);

CREATE TABLE weekly_coverage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    week_start_date TEXT NOT NULL,
    total_hours NUMERIC NOT NULL DEFAULT 0,
    exceeds_limit INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    pa_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    schedule_period_id INTEGER NOT NULL REFERENCES schedule_periods(id) ON DELETE CASCADE,
    UNIQUE (schedule_period_id, pa_id, week_start_date)
);
CREATE INDEX weekly_coverage_week ON weekly_coverage(week_start_date);

-- simplejwt's token_blacklist app.
CREATE TABLE outstanding_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    jti TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL,
    created_at TEXT NULL,
    expires_at TEXT NOT NULL,
    user_id INTEGER NULL REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX outstanding_tokens_user ON outstanding_tokens(user_id);

CREATE TABLE blacklisted_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    blacklisted_at TEXT NOT NULL,
    token_id INTEGER NOT NULL UNIQUE REFERENCES outstanding_tokens(id) ON DELETE CASCADE
);

-- Settings kept with the data (the generated SECRET_KEY).
CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
