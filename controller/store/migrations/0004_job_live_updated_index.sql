-- The 60 s liveness refresh finds the live jobs not refreshed for a minute through this index,
-- instead of reading every pending and running job on each safety tick.
CREATE INDEX job_live_updated ON job (updated_at) WHERE state IN ('pending', 'running');
