"""Tamper evidence: the checkpoint key and the verification of every stored event against the ledger chain and its
signed checkpoints. May import the read and write sides and `app.config`; what it finds is printed by `app.cli` and
served by `app.graphql`."""
