-- Each account's data key (crypto-shredding): personal data in events is sealed with it; erasing the account's
-- data deletes its row, in the transaction that records the erasure. Kept apart from the events, and from the
-- analyst role (whose default privileges, migration 0005, would grant it every new table).

CREATE TABLE subject_keys (
    account_id  TEXT PRIMARY KEY,
    stream_id   TEXT NOT NULL,
    key_id      TEXT NOT NULL UNIQUE,
    key         BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX subject_keys_stream ON subject_keys (stream_id);

REVOKE ALL ON subject_keys FROM docket_analyst;
