-- Tamper evidence: a hash chain over the stored events and signed checkpoints of it
-- (projections/ledger_chain/hashing.py says what is hashed). Hashes and signatures are hex.

CREATE TABLE ledger_chain (
    position    BIGINT PRIMARY KEY,
    state_hash  TEXT NOT NULL,
    event_hash  TEXT NOT NULL,
    chain_hash  TEXT NOT NULL
);

CREATE TABLE ledger_checkpoints (
    position    BIGINT PRIMARY KEY,
    chain_hash  TEXT NOT NULL,
    signed_at   TIMESTAMPTZ NOT NULL,
    key_id      TEXT NOT NULL,
    signature   TEXT NOT NULL
);
