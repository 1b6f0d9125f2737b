"""Automation rules as `automationRules` shows them: settings, mode, evidence and live figures."""
