"""What a Docket process is configured with: the settings read from the environment, the database URL, and the strike
ladders file. Imports only the standard library, `domain` and other `app.config` modules."""
