-- Cover offers (issue 12): an uncovered slot offered to chosen PAs; the
-- first to accept gets it as an approved shift.
CREATE TABLE cover_offers (
    id BIGSERIAL PRIMARY KEY,
    schedule_period_id BIGINT NOT NULL REFERENCES schedule_periods(id) ON DELETE CASCADE,
    date DATE NOT NULL,
    start_time TIME NOT NULL,
    end_time TIME NOT NULL,
    status TEXT NOT NULL DEFAULT 'OPEN',
    created_by_id BIGINT NULL REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    filled_by_id BIGINT NULL REFERENCES users(id) ON DELETE SET NULL,
    shift_id BIGINT NULL REFERENCES shift_requests(id) ON DELETE SET NULL,
    filled_at TIMESTAMPTZ NULL
);
CREATE INDEX cover_offers_date ON cover_offers(date);

CREATE TABLE cover_offer_recipients (
    offer_id BIGINT NOT NULL REFERENCES cover_offers(id) ON DELETE CASCADE,
    pa_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (offer_id, pa_id)
);
CREATE INDEX cover_offer_recipients_pa ON cover_offer_recipients(pa_id, created_at);

-- One coverage digest per local date, written in the transaction that
-- enqueues its email: a retried or duplicated check job sends nothing twice.
CREATE TABLE coverage_digests (
    local_date DATE PRIMARY KEY,
    gaps INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
