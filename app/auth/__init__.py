"""Who is calling: principals with roles and domain scopes, from bearer tokens kept as hashes in a TOML file.
Imports only the standard library."""
