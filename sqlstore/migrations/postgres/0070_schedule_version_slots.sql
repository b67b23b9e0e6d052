-- The schedule version in slots. One row moved by every change made every
-- committing change of the schedule wait for the one before it to finish
-- committing (its WAL flush included) to lock that row: at most one commit
-- a flush, whatever the advisory locks let run in parallel. Measured with
-- pgbench on the development machine, 8 clients each updating a row of
-- their own: 1,180-1,475 commits/s; plus one shared row a commit:
-- 404-444/s. Now a transaction bumps the slot of its connection's backend
-- (1 + pid % 64), so concurrent commits on different connections rarely
-- meet, and the version is the sum of the slots: each bump adds one, so
-- two equal sums still mean that no change committed in between.
ALTER TABLE schedule_version DROP CONSTRAINT schedule_version_id_check;
ALTER TABLE schedule_version ADD CONSTRAINT schedule_version_slot CHECK (id BETWEEN 1 AND 64);
INSERT INTO schedule_version (id, version) SELECT g, 0 FROM generate_series(2, 64) AS g;

CREATE OR REPLACE FUNCTION bump_schedule_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('pasched.schedule_version_bumped', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('pasched.schedule_version_bumped', 'on', true);
        UPDATE schedule_version SET version = version + 1 WHERE id = 1 + pg_backend_pid() % 64;
    END IF;
    RETURN NULL;
END $$;
