"""One module per mutation: its input, its result union and its resolver."""
