-- PostgreSQL schema: the same tables and columns as the SQLite one, with
-- native types. Timestamps are written as RFC 3339 text and read as timestamptz.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    password TEXT NOT NULL,
    last_login TIMESTAMPTZ NULL,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    username TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    date_joined TIMESTAMPTZ NOT NULL,
    email TEXT NOT NULL UNIQUE,
    phone_number TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'PA',
    is_email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    tokens_valid_after TIMESTAMPTZ NULL
);

CREATE TABLE email_verification_tokens (
    id BIGSERIAL PRIMARY KEY,
    token UUID NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX email_verification_tokens_user ON email_verification_tokens(user_id);

CREATE TABLE password_reset_tokens (
    id BIGSERIAL PRIMARY KEY,
    token UUID NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX password_reset_tokens_user ON password_reset_tokens(user_id);

CREATE TABLE pa_profiles (
    id BIGSERIAL PRIMARY KEY,
    preferred_start_time TIME NULL,
    preferred_end_time TIME NULL,
    preferred_days JSONB NOT NULL DEFAULT '[]'::jsonb,
    max_hours_per_week INTEGER NOT NULL DEFAULT 40,
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    user_id BIGINT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE pa_schedule_stats (
    id BIGSERIAL PRIMARY KEY,
    total_shifts_worked INTEGER NOT NULL DEFAULT 0,
    total_hours_worked NUMERIC(8,2) NOT NULL DEFAULT 0,
    average_hours_per_week NUMERIC(5,2) NOT NULL DEFAULT 0,
    most_common_days JSONB NOT NULL DEFAULT '{}'::jsonb,
    most_common_start_time TIME NULL,
    most_common_shift_length NUMERIC(4,2) NULL,
    preferred_shift_pattern TEXT NOT NULL DEFAULT '',
    reliability_score NUMERIC(5,2) NOT NULL DEFAULT 100,
    typical_request_timing INTEGER NULL,
    consecutive_days_preference INTEGER NULL,
    last_worked_date DATE NULL,
    last_calculated TIMESTAMPTZ NOT NULL,
    pa_id BIGINT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE schedule_periods (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    status TEXT NOT NULL DEFAULT 'OPEN',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    created_by_id BIGINT NOT NULL REFERENCES users(id) ON DELETE RESTRICT
);
CREATE INDEX schedule_periods_start ON schedule_periods(start_date);

CREATE TABLE shift_requests (
    id BIGSERIAL PRIMARY KEY,
    date DATE NOT NULL,
    start_time TIME NOT NULL,
    end_time TIME NOT NULL,
    duration_hours NUMERIC(4,2) NOT NULL,
    status TEXT NOT NULL DEFAULT 'PENDING',
    notes TEXT NOT NULL DEFAULT '',
    admin_notes TEXT NOT NULL DEFAULT '',
    rejected_reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    approved_at TIMESTAMPTZ NULL,
    approved_by_id BIGINT NULL REFERENCES users(id) ON DELETE SET NULL,
    requested_by_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    schedule_period_id BIGINT NOT NULL REFERENCES schedule_periods(id) ON DELETE CASCADE
);
CREATE INDEX shift_requests_status_date ON shift_requests(status, date);
CREATE INDEX shift_requests_pa_date ON shift_requests(requested_by_id, date);
CREATE INDEX shift_requests_period ON shift_requests(schedule_period_id, created_at);
CREATE INDEX shift_requests_date ON shift_requests(date);

CREATE TABLE critical_time_coverage (
    id BIGSERIAL PRIMARY KEY,
    date DATE NOT NULL UNIQUE,
    morning_covered BOOLEAN NOT NULL DEFAULT FALSE,
    evening_covered BOOLEAN NOT NULL DEFAULT FALSE,
    -- every configured window, as JSON [{"start":"06:00:00","end":"09:00:00","covered":true,"shift_id":1}]
    windows JSONB NOT NULL DEFAULT '[]'::jsonb,
    updated_at TIMESTAMPTZ NOT NULL,
    evening_shift_id BIGINT NULL REFERENCES shift_requests(id) ON DELETE SET NULL,
    morning_shift_id BIGINT NULL REFERENCES shift_requests(id) ON DELETE SET NULL
);

CREATE TABLE weekly_coverage (
    id BIGSERIAL PRIMARY KEY,
    week_start_date DATE NOT NULL,
    total_hours NUMERIC(5,2) NOT NULL DEFAULT 0,
    exceeds_limit BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ NOT NULL,
    pa_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    schedule_period_id BIGINT NOT NULL REFERENCES schedule_periods(id) ON DELETE CASCADE,
    UNIQUE (schedule_period_id, pa_id, week_start_date)
);
CREATE INDEX weekly_coverage_week ON weekly_coverage(week_start_date);

-- simplejwt's token_blacklist app.
CREATE TABLE outstanding_tokens (
    id BIGSERIAL PRIMARY KEY,
    jti TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL,
    created_at TIMESTAMPTZ NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    user_id BIGINT NULL REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX outstanding_tokens_user ON outstanding_tokens(user_id);

CREATE TABLE blacklisted_tokens (
    id BIGSERIAL PRIMARY KEY,
    blacklisted_at TIMESTAMPTZ NOT NULL,
    token_id BIGINT NOT NULL UNIQUE REFERENCES outstanding_tokens(id) ON DELETE CASCADE
);

-- Settings kept with the data (the generated SECRET_KEY).
CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Events too large for a NOTIFY payload travel by reference (realtime.PGBroker).
CREATE TABLE realtime_events (
    id BIGSERIAL PRIMARY KEY,
    payload TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
