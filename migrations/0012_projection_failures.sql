-- Read models stopped at an event they cannot apply: one row each, until a retry applies the event, an operator
-- skips it (`docket projections skip`), or a rebuild swaps the read model in anew.

CREATE TABLE projection_failures (
    name        TEXT PRIMARY KEY,
    position    BIGINT NOT NULL,
    topic       TEXT NOT NULL,
    error_type  TEXT NOT NULL,
    error       TEXT NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    last_seen   TIMESTAMPTZ NOT NULL,
    attempts    INTEGER NOT NULL
);
