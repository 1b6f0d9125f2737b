"""The webhooks: every endpoint, its filter, its secret's version and whether it is sent anything."""
