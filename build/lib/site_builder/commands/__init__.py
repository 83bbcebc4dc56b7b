"""One module per CLI verb: each exposes one function the CLI (and tests) call."""
