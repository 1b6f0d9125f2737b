-- A detection's evidence, as JSON text, so a reviewer sees what the detector saw beside its score. Rows projected
-- before this migration show NULL until `docket rebuild --projection case_status`.
ALTER TABLE detections ADD COLUMN evidence TEXT;
