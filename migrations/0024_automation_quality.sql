-- Automation in production: each rule's QA samples, people's judgments of its automated decisions, its rolling
-- precision, its provider's failures and its circuit breaker.

CREATE TABLE automation_quality (
    rule_id            TEXT PRIMARY KEY,
    qa_sampled         INTEGER NOT NULL,
    qa_judged          INTEGER NOT NULL,
    qa_disagreed       INTEGER NOT NULL,
    overturned         INTEGER NOT NULL,
    window_judged      INTEGER NOT NULL,
    window_agreed      INTEGER NOT NULL,
    provider_failures  INTEGER NOT NULL,
    breaker            TEXT NOT NULL,
    tripped_at         TIMESTAMPTZ,
    trip_reason        TEXT,
    trip_figures       TEXT,
    position           BIGINT NOT NULL
);
