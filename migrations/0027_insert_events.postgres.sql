-- PostgreSQL only: the event store's write of a few events as one statement (`CopyingRecorder` in
-- app/write/postgres_event_store.py): the library's ordering lock, NOTIFY and insert, and the first keys of the
-- accounts the events seal for, in the statement's own transaction. The library sends the same as a transaction of
-- six statements over two round trips and holds the table's lock across the second; here the lock is held for the
-- insert alone.
CREATE FUNCTION docket_insert_events(
    ids UUID[], versions BIGINT[], topics TEXT[], states BYTEA[],
    key_accounts TEXT[], key_streams TEXT[], key_ids TEXT[], key_values BYTEA[], lock_wait TEXT
) RETURNS SETOF BIGINT LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM set_config('lock_timeout', lock_wait, true);
    LOCK TABLE docket_events IN EXCLUSIVE MODE;
    NOTIFY docket_events;
    RETURN QUERY
        INSERT INTO docket_events (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(ids, versions, topics, states)
        RETURNING notification_id;
    INSERT INTO subject_keys (account_id, stream_id, key_id, key, created_at)
        SELECT *, now() FROM unnest(key_accounts, key_streams, key_ids, key_values);
END
$$;
