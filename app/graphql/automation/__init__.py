"""The Auto-Action Framework through GraphQL: configureAutomation, setAutomationMode, autoAction, protectAccount,
unprotectAccount and automationRules. May import `core` only."""
