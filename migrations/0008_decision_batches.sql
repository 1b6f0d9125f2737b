-- The bulk decision a decision belongs to (NULL: decided on its own); decisions projected before this
-- migration show NULL until `docket rebuild --projection case_status`.
ALTER TABLE decisions ADD COLUMN batch_id TEXT;
CREATE INDEX decisions_batch ON decisions (batch_id);
