-- Cover offers (issue 12): an uncovered slot offered to chosen PAs; the
-- first to accept gets it as an approved shift.
CREATE TABLE cover_offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_period_id INTEGER NOT NULL REFERENCES schedule_periods(id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'OPEN',
    created_by_id INTEGER NULL REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    filled_by_id INTEGER NULL REFERENCES users(id) ON DELETE SET NULL,
    shift_id INTEGER NULL REFERENCES shift_requests(id) ON DELETE SET NULL,
    filled_at TEXT NULL
);
CREATE INDEX cover_offers_date ON cover_offers(date);

CREATE TABLE cover_offer_recipients (
    offer_id INTEGER NOT NULL REFERENCES cover_offers(id) ON DELETE CASCADE,
    pa_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (offer_id, pa_id)
);
CREATE INDEX cover_offer_recipients_pa ON cover_offer_recipients(pa_id, created_at);

-- One coverage digest per local date, written in the transaction that
-- enqueues its email: a retried or duplicated check job sends nothing twice.
CREATE TABLE coverage_digests (
    local_date TEXT PRIMARY KEY,
    gaps INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
