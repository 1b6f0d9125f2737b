"""The policy catalog: the current version of every policy, by domain."""
