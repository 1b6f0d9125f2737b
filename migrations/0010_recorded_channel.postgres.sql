-- PostgreSQL only: a NOTIFY on `docket_recorded_<schema>` (cut at 63 bytes) whenever events are stored in
-- this schema. The event store's own NOTIFY goes to `docket_events` whatever the schema, so a listener for
-- one schema woke at every write to any other; Docket's listeners (the projector of `docket serve`,
-- `docket project`, `ledgerEvents` subscribers) listen here instead.
CREATE OR REPLACE FUNCTION docket_events_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(left('docket_recorded_' || TG_TABLE_SCHEMA, 63), '');
    RETURN NULL;
END
$$;

CREATE TRIGGER docket_events_recorded AFTER INSERT ON docket_events
    FOR EACH STATEMENT EXECUTE FUNCTION docket_events_recorded();
