-- `docket automate`: the ledger position up to which it has run the automation rules on the pipelines' detections.

CREATE TABLE automation_feed (
    name      TEXT PRIMARY KEY,
    position  BIGINT NOT NULL
);
