-- PostgreSQL only: the read-only role `docket_analyst`, which can select from Docket's read
-- models and nothing else (not the event store, not the tokens, not any write). Roles belong to
-- the whole server, so it is created once; grants are per schema. Tables that later migrations
-- add to this schema are granted by default privileges.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'docket_analyst') THEN
        CREATE ROLE docket_analyst NOLOGIN;
    END IF;
END
$$;

DO $$
DECLARE
    read_model RECORD;
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO docket_analyst', current_schema());
    FOR read_model IN
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
          AND table_name NOT LIKE 'docket\_%' AND table_name NOT LIKE '%\_tracking'
    LOOP
        EXECUTE format('GRANT SELECT ON %I.%I TO docket_analyst', current_schema(), read_model.table_name);
    END LOOP;
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO docket_analyst', current_schema());
END
$$;
