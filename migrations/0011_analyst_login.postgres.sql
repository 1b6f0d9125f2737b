-- PostgreSQL only: `docket sql` logs in as `docket_analyst` itself, so nothing it types can take back a
-- privileged session's rights (as `SET ROLE` or `RESET ROLE` could, inside a session of the database URL's user).
-- The role may log in, and holds nothing it could climb with: no superuser, CREATEROLE, CREATEDB, REPLICATION or
-- BYPASSRLS, no membership of any role, no CREATE on this schema (not through PUBLIC either: PostgreSQL 15's
-- default, which databases made by older servers lack), nothing but SELECT on any table here, nothing on the
-- event store. Each change is made only where it is missing, so that a second schema in the database, or a
-- second database on the server, finds the role as it should be and changes nothing. Trust authentication
-- needs no password; elsewhere an operator gives the role one (migrations/README.md).

DO $$
DECLARE
    analyst RECORD;
    granted RECORD;
    changes TEXT;
BEGIN
    SELECT * INTO analyst FROM pg_roles WHERE rolname = 'docket_analyst';
    changes := concat_ws(' ',
        CASE WHEN NOT analyst.rolcanlogin THEN 'LOGIN' END,
        CASE WHEN analyst.rolsuper THEN 'NOSUPERUSER' END,
        CASE WHEN analyst.rolcreaterole THEN 'NOCREATEROLE' END,
        CASE WHEN analyst.rolcreatedb THEN 'NOCREATEDB' END,
        CASE WHEN analyst.rolreplication THEN 'NOREPLICATION' END,
        CASE WHEN analyst.rolbypassrls THEN 'NOBYPASSRLS' END);
    IF changes <> '' THEN
        EXECUTE 'ALTER ROLE docket_analyst ' || changes;
    END IF;
    FOR granted IN
        SELECT roleid::regrole AS role FROM pg_auth_members WHERE member = analyst.oid
    LOOP
        EXECUTE format('REVOKE %s FROM docket_analyst', granted.role);
    END LOOP;
    IF NOT has_database_privilege('docket_analyst', current_database(), 'CONNECT') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO docket_analyst', current_database());
    END IF;
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC, docket_analyst', current_schema());
    EXECUTE format(
        'REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA %I FROM docket_analyst',
        current_schema());
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM docket_analyst', current_schema());
END
$$;

REVOKE ALL ON docket_events FROM docket_analyst;
