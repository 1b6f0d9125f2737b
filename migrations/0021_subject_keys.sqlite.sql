-- Each account's data key (crypto-shredding): personal data in events is sealed with it; erasing the account's
-- data deletes its row, in the transaction that records the erasure. Kept apart from the events, and `docket sql`
-- cannot read it. The PostgreSQL twin of this file also keeps it from the analyst role.

CREATE TABLE subject_keys (
    account_id  TEXT PRIMARY KEY,
    stream_id   TEXT NOT NULL,
    key_id      TEXT NOT NULL UNIQUE,
    key         BLOB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX subject_keys_stream ON subject_keys (stream_id);
