"""Signed webhooks: setting endpoints up (commands, their secrets, which targets are allowed) and `docket deliver`,
which sends each endpoint the events its filter selects, signed (Standard Webhooks), retried, logged and
dead-lettered (schedule, outbox, sender, deliverer)."""
