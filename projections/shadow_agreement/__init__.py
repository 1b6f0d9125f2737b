"""Shadow agreement: each automation rule's verdicts beside the human decisions later made on the same cases."""
