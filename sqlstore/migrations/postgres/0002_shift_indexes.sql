-- The shift list's order (newest first), for everyone and for one PA: with
-- these a page is read in index order and the scan stops after 50 rows.
CREATE INDEX shift_requests_created ON shift_requests(created_at, id);
CREATE INDEX shift_requests_pa_created ON shift_requests(requested_by_id, created_at, id);
