"""Automation in production as `automationRules` and `/metrics` show it: QA samples, judgments, rolling precision,
provider failures and each rule's circuit breaker."""
