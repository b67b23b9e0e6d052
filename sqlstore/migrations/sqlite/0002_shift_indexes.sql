-- Indexes of the shift list (newest first, for everyone or one PA) and of
-- the coverage lookups by date.
CREATE INDEX shift_requests_created ON shift_requests(created_at, id);
CREATE INDEX shift_requests_pa_created ON shift_requests(requested_by_id, created_at, id);
CREATE INDEX shift_requests_date_status ON shift_requests(date, status);
