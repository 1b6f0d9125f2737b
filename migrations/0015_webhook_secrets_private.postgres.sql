-- PostgreSQL only: the analyst role reads the read models, never the webhooks' signing secrets (its default
-- privileges granted it every table made after migration 0005).

REVOKE ALL ON webhook_secrets FROM docket_analyst;
