-- The version of the data the schedule's read models (calendar spans, shift
-- list pages) are built from: shifts, their periods' names and their people's
-- names and emails. Triggers move it in the transaction of every such write,
-- whoever makes it (this process, `pasched worker`, a second serve), and
-- nothing else moves it: job, session and token commits leave it alone, so a
-- cached read model stays valid while they run.
CREATE TABLE schedule_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO schedule_version (id, version) VALUES (1, 0);

CREATE TRIGGER shift_requests_version_insert AFTER INSERT ON shift_requests
BEGIN UPDATE schedule_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER shift_requests_version_update AFTER UPDATE ON shift_requests
BEGIN UPDATE schedule_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER shift_requests_version_delete AFTER DELETE ON shift_requests
BEGIN UPDATE schedule_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER schedule_periods_version_insert AFTER INSERT ON schedule_periods
BEGIN UPDATE schedule_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER schedule_periods_version_update AFTER UPDATE ON schedule_periods
BEGIN UPDATE schedule_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER schedule_periods_version_delete AFTER DELETE ON schedule_periods
BEGIN UPDATE schedule_version SET version = version + 1 WHERE id = 1; END;

-- Of a user, only what the read models show: names and email (last_login,
-- password and token columns change on every sign-in and must not count).
CREATE TRIGGER users_version_update AFTER UPDATE OF first_name, last_name, email ON users
BEGIN UPDATE schedule_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_version_delete AFTER DELETE ON users
BEGIN UPDATE schedule_version SET version = version + 1 WHERE id = 1; END;
