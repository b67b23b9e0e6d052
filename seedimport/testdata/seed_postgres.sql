-- The seed's (Django's) PostgreSQL schema of the tables pasched imports, as
-- Django's migrate made it (pg_dump --schema-only of a seed database; see
-- make_fixture.sh). seedimport's PostgreSQL-source test builds this schema and
-- copies seed.sqlite3's rows into it.
CREATE TABLE critical_time_coverage (
    id bigint NOT NULL,
    date date NOT NULL,
    morning_covered boolean NOT NULL,
    evening_covered boolean NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    evening_shift_id bigint,
    morning_shift_id bigint
);
CREATE SEQUENCE critical_time_coverage_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE critical_time_coverage_id_seq OWNED BY critical_time_coverage.id;
CREATE TABLE email_verification_tokens (
    id bigint NOT NULL,
    token uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used boolean NOT NULL,
    user_id bigint NOT NULL
);
CREATE SEQUENCE email_verification_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE email_verification_tokens_id_seq OWNED BY email_verification_tokens.id;
CREATE TABLE pa_profiles (
    id bigint NOT NULL,
    preferred_start_time time without time zone,
    preferred_end_time time without time zone,
    preferred_days jsonb NOT NULL,
    max_hours_per_week integer NOT NULL,
    notes text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    user_id bigint NOT NULL
);
CREATE SEQUENCE pa_profiles_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE pa_profiles_id_seq OWNED BY pa_profiles.id;
CREATE TABLE pa_schedule_stats (
    id bigint NOT NULL,
    total_shifts_worked integer NOT NULL,
    total_hours_worked numeric(8,2) NOT NULL,
    average_hours_per_week numeric(5,2) NOT NULL,
    most_common_days jsonb NOT NULL,
    most_common_start_time time without time zone,
    most_common_shift_length numeric(4,2),
    preferred_shift_pattern character varying(20) NOT NULL,
    reliability_score numeric(5,2) NOT NULL,
    typical_request_timing integer,
    consecutive_days_preference integer,
    last_worked_date date,
    last_calculated timestamp with time zone NOT NULL,
    pa_id bigint NOT NULL
);
CREATE SEQUENCE pa_schedule_stats_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE pa_schedule_stats_id_seq OWNED BY pa_schedule_stats.id;
CREATE TABLE password_reset_tokens (
    id bigint NOT NULL,
    token uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used boolean NOT NULL,
    user_id bigint NOT NULL
);
CREATE SEQUENCE password_reset_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE password_reset_tokens_id_seq OWNED BY password_reset_tokens.id;
CREATE TABLE schedule_periods (
    id bigint NOT NULL,
    name character varying(100) NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    status character varying(10) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_by_id bigint NOT NULL
);
CREATE SEQUENCE schedule_periods_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE schedule_periods_id_seq OWNED BY schedule_periods.id;
CREATE TABLE shift_requests (
    id bigint NOT NULL,
    date date NOT NULL,
    start_time time without time zone NOT NULL,
    end_time time without time zone NOT NULL,
    duration_hours numeric(4,2) NOT NULL,
    status character varying(10) NOT NULL,
    notes text NOT NULL,
    admin_notes text NOT NULL,
    rejected_reason text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    approved_at timestamp with time zone,
    approved_by_id bigint,
    requested_by_id bigint NOT NULL,
    schedule_period_id bigint NOT NULL
);
CREATE SEQUENCE shift_requests_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE shift_requests_id_seq OWNED BY shift_requests.id;
CREATE TABLE token_blacklist_blacklistedtoken (
    id bigint NOT NULL,
    blacklisted_at timestamp with time zone NOT NULL,
    token_id bigint NOT NULL
);
CREATE SEQUENCE token_blacklist_blacklistedtoken_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE token_blacklist_blacklistedtoken_id_seq OWNED BY token_blacklist_blacklistedtoken.id;
CREATE TABLE token_blacklist_outstandingtoken (
    id bigint NOT NULL,
    token text NOT NULL,
    created_at timestamp with time zone,
    expires_at timestamp with time zone NOT NULL,
    user_id bigint,
    jti character varying(255) NOT NULL
);
CREATE SEQUENCE token_blacklist_outstandingtoken_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE token_blacklist_outstandingtoken_id_seq OWNED BY token_blacklist_outstandingtoken.id;
CREATE TABLE users (
    id bigint NOT NULL,
    password character varying(128) NOT NULL,
    last_login timestamp with time zone,
    is_superuser boolean NOT NULL,
    username character varying(150) NOT NULL,
    first_name character varying(150) NOT NULL,
    last_name character varying(150) NOT NULL,
    is_staff boolean NOT NULL,
    is_active boolean NOT NULL,
    date_joined timestamp with time zone NOT NULL,
    email character varying(254) NOT NULL,
    phone_number character varying(20) NOT NULL,
    role character varying(10) NOT NULL,
    is_email_verified boolean NOT NULL
);
CREATE SEQUENCE users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE users_id_seq OWNED BY users.id;
CREATE TABLE weekly_coverage (
    id bigint NOT NULL,
    week_start_date date NOT NULL,
    total_hours numeric(5,2) NOT NULL,
    exceeds_limit boolean NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    pa_id bigint NOT NULL,
    schedule_period_id bigint NOT NULL
);
CREATE SEQUENCE weekly_coverage_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE weekly_coverage_id_seq OWNED BY weekly_coverage.id;
ALTER TABLE ONLY critical_time_coverage ALTER COLUMN id SET DEFAULT nextval('critical_time_coverage_id_seq'::regclass);
ALTER TABLE ONLY email_verification_tokens ALTER COLUMN id SET DEFAULT nextval('email_verification_tokens_id_seq'::regclass);
ALTER TABLE ONLY pa_profiles ALTER COLUMN id SET DEFAULT nextval('pa_profiles_id_seq'::regclass);
ALTER TABLE ONLY pa_schedule_stats ALTER COLUMN id SET DEFAULT nextval('pa_schedule_stats_id_seq'::regclass);
ALTER TABLE ONLY password_reset_tokens ALTER COLUMN id SET DEFAULT nextval('password_reset_tokens_id_seq'::regclass);
ALTER TABLE ONLY schedule_periods ALTER COLUMN id SET DEFAULT nextval('schedule_periods_id_seq'::regclass);
ALTER TABLE ONLY shift_requests ALTER COLUMN id SET DEFAULT nextval('shift_requests_id_seq'::regclass);
ALTER TABLE ONLY token_blacklist_blacklistedtoken ALTER COLUMN id SET DEFAULT nextval('token_blacklist_blacklistedtoken_id_seq'::regclass);
ALTER TABLE ONLY token_blacklist_outstandingtoken ALTER COLUMN id SET DEFAULT nextval('token_blacklist_outstandingtoken_id_seq'::regclass);
ALTER TABLE ONLY users ALTER COLUMN id SET DEFAULT nextval('users_id_seq'::regclass);
ALTER TABLE ONLY weekly_coverage ALTER COLUMN id SET DEFAULT nextval('weekly_coverage_id_seq'::regclass);
ALTER TABLE ONLY critical_time_coverage
    ADD CONSTRAINT critical_time_coverage_date_key UNIQUE (date);
ALTER TABLE ONLY critical_time_coverage
    ADD CONSTRAINT critical_time_coverage_pkey PRIMARY KEY (id);
ALTER TABLE ONLY email_verification_tokens
    ADD CONSTRAINT email_verification_tokens_pkey PRIMARY KEY (id);
ALTER TABLE ONLY email_verification_tokens
    ADD CONSTRAINT email_verification_tokens_token_key UNIQUE (token);
ALTER TABLE ONLY pa_profiles
    ADD CONSTRAINT pa_profiles_pkey PRIMARY KEY (id);
ALTER TABLE ONLY pa_profiles
    ADD CONSTRAINT pa_profiles_user_id_key UNIQUE (user_id);
ALTER TABLE ONLY pa_schedule_stats
    ADD CONSTRAINT pa_schedule_stats_pa_id_key UNIQUE (pa_id);
ALTER TABLE ONLY pa_schedule_stats
    ADD CONSTRAINT pa_schedule_stats_pkey PRIMARY KEY (id);
ALTER TABLE ONLY password_reset_tokens
    ADD CONSTRAINT password_reset_tokens_pkey PRIMARY KEY (id);
ALTER TABLE ONLY password_reset_tokens
    ADD CONSTRAINT password_reset_tokens_token_key UNIQUE (token);
ALTER TABLE ONLY schedule_periods
    ADD CONSTRAINT schedule_periods_pkey PRIMARY KEY (id);
ALTER TABLE ONLY shift_requests
    ADD CONSTRAINT shift_requests_pkey PRIMARY KEY (id);
ALTER TABLE ONLY token_blacklist_blacklistedtoken
    ADD CONSTRAINT token_blacklist_blacklistedtoken_pkey PRIMARY KEY (id);
ALTER TABLE ONLY token_blacklist_blacklistedtoken
    ADD CONSTRAINT token_blacklist_blacklistedtoken_token_id_key UNIQUE (token_id);
ALTER TABLE ONLY token_blacklist_outstandingtoken
    ADD CONSTRAINT token_blacklist_outstandingtoken_jti_hex_d9bdf6f7_uniq UNIQUE (jti);
ALTER TABLE ONLY token_blacklist_outstandingtoken
    ADD CONSTRAINT token_blacklist_outstandingtoken_pkey PRIMARY KEY (id);
ALTER TABLE ONLY users
    ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE ONLY users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);
ALTER TABLE ONLY users
    ADD CONSTRAINT users_username_key UNIQUE (username);
ALTER TABLE ONLY weekly_coverage
    ADD CONSTRAINT weekly_coverage_pkey PRIMARY KEY (id);
ALTER TABLE ONLY weekly_coverage
    ADD CONSTRAINT weekly_coverage_schedule_period_id_pa_id_4c79383a_uniq UNIQUE (schedule_period_id, pa_id, week_start_date);
CREATE INDEX critical_time_coverage_evening_shift_id_a9781ea9 ON critical_time_coverage USING btree (evening_shift_id);
CREATE INDEX critical_time_coverage_morning_shift_id_34668a0c ON critical_time_coverage USING btree (morning_shift_id);
CREATE INDEX email_verification_tokens_user_id_3cbf3e2d ON email_verification_tokens USING btree (user_id);
CREATE INDEX password_reset_tokens_user_id_0aeaaad3 ON password_reset_tokens USING btree (user_id);
CREATE INDEX schedule_periods_created_by_id_4b82a85e ON schedule_periods USING btree (created_by_id);
CREATE INDEX shift_requests_approved_by_id_4105c4df ON shift_requests USING btree (approved_by_id);
CREATE INDEX shift_requests_requested_by_id_8bb98172 ON shift_requests USING btree (requested_by_id);
CREATE INDEX shift_requests_schedule_period_id_86599bda ON shift_requests USING btree (schedule_period_id);
CREATE INDEX token_blacklist_outstandingtoken_jti_hex_d9bdf6f7_like ON token_blacklist_outstandingtoken USING btree (jti varchar_pattern_ops);
CREATE INDEX token_blacklist_outstandingtoken_user_id_83bc629a ON token_blacklist_outstandingtoken USING btree (user_id);
CREATE INDEX users_email_0ea73cca_like ON users USING btree (email varchar_pattern_ops);
CREATE INDEX users_username_e8658fc8_like ON users USING btree (username varchar_pattern_ops);
CREATE INDEX weekly_coverage_pa_id_263bf09c ON weekly_coverage USING btree (pa_id);
CREATE INDEX weekly_coverage_schedule_period_id_592ee63c ON weekly_coverage USING btree (schedule_period_id);
CREATE INDEX weekly_coverage_week_start_date_a0171a40 ON weekly_coverage USING btree (week_start_date);
ALTER TABLE ONLY critical_time_coverage
    ADD CONSTRAINT critical_time_covera_evening_shift_id_a9781ea9_fk_shift_req FOREIGN KEY (evening_shift_id) REFERENCES shift_requests(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY critical_time_coverage
    ADD CONSTRAINT critical_time_covera_morning_shift_id_34668a0c_fk_shift_req FOREIGN KEY (morning_shift_id) REFERENCES shift_requests(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY email_verification_tokens
    ADD CONSTRAINT email_verification_tokens_user_id_3cbf3e2d_fk_users_id FOREIGN KEY (user_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY pa_profiles
    ADD CONSTRAINT pa_profiles_user_id_ba233044_fk_users_id FOREIGN KEY (user_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY pa_schedule_stats
    ADD CONSTRAINT pa_schedule_stats_pa_id_0e785426_fk_users_id FOREIGN KEY (pa_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY password_reset_tokens
    ADD CONSTRAINT password_reset_tokens_user_id_0aeaaad3_fk_users_id FOREIGN KEY (user_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY schedule_periods
    ADD CONSTRAINT schedule_periods_created_by_id_4b82a85e_fk_users_id FOREIGN KEY (created_by_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY shift_requests
    ADD CONSTRAINT shift_requests_approved_by_id_4105c4df_fk_users_id FOREIGN KEY (approved_by_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY shift_requests
    ADD CONSTRAINT shift_requests_requested_by_id_8bb98172_fk_users_id FOREIGN KEY (requested_by_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY shift_requests
    ADD CONSTRAINT shift_requests_schedule_period_id_86599bda_fk_schedule_ FOREIGN KEY (schedule_period_id) REFERENCES schedule_periods(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY token_blacklist_blacklistedtoken
    ADD CONSTRAINT token_blacklist_blacklistedtoken_token_id_3cc7fe56_fk FOREIGN KEY (token_id) REFERENCES token_blacklist_outstandingtoken(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY token_blacklist_outstandingtoken
    ADD CONSTRAINT token_blacklist_outstandingtoken_user_id_83bc629a_fk_users_id FOREIGN KEY (user_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY weekly_coverage
    ADD CONSTRAINT weekly_coverage_pa_id_263bf09c_fk_users_id FOREIGN KEY (pa_id) REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY weekly_coverage
    ADD CONSTRAINT weekly_coverage_schedule_period_id_592ee63c_fk_schedule_ FOREIGN KEY (schedule_period_id) REFERENCES schedule_periods(id) DEFERRABLE INITIALLY DEFERRED;
