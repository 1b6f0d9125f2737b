"""Compliance: submitting statements of reasons to the DSA Transparency Database (`docket submit-sor`), and a
contract server on loopback that answers as its API does. May import `app.fanout` and everything below it; `app.cli`
runs the submitter."""
