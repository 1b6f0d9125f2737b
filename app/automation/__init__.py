"""The Auto-Action Framework's outside world: model calls through litellm (`models`), what a rule's verdicts do to the
ledger (`running`), golden-set evaluation (`evaluation`) and the OpenAI-compatible test server that tests, benchmarks
and the demo talk to (`test_server`). May import `app.write`, `app.config` and the domain; never a read model."""
