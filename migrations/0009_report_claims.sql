-- The claim a case is under, as the reports read model sees it: a report that arrives while a reviewer
-- holds its case under its policy is IN_REVIEW at once. Claims held when this migration ran are not known
-- to it until `docket rebuild --projection reports`.
CREATE TABLE report_claims (
    case_id          TEXT PRIMARY KEY,
    policy_key       TEXT NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL
);
