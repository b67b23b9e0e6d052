-- The version of the data the schedule's read models (calendar spans, shift
-- list pages) are built from: shifts, their periods' names and their people's
-- names and emails. Triggers move it in the transaction of every such write,
-- whoever makes it (any instance, `pasched worker`), and nothing else moves
-- it: job, session and token commits leave it alone, so every instance's
-- cached read models stay valid while they run, and all of them see a change
-- on their next read.
CREATE TABLE schedule_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO schedule_version (id, version) VALUES (1, 0);

-- The triggers are deferred to commit and bump once a transaction: the
-- version row's lock is then held only while the transaction commits, so
-- changes of different PAs, which run in parallel, do not queue behind one
-- another's whole transaction for it.
CREATE FUNCTION bump_schedule_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('pasched.schedule_version_bumped', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('pasched.schedule_version_bumped', 'on', true);
        UPDATE schedule_version SET version = version + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER shift_requests_version AFTER INSERT OR UPDATE OR DELETE ON shift_requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_schedule_version();
CREATE CONSTRAINT TRIGGER schedule_periods_version AFTER INSERT OR UPDATE OR DELETE ON schedule_periods
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_schedule_version();
-- Of a user, only what the read models show: names and email (last_login,
-- password and token columns change on every sign-in and must not count).
CREATE CONSTRAINT TRIGGER users_version AFTER UPDATE OF first_name, last_name, email OR DELETE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_schedule_version();
