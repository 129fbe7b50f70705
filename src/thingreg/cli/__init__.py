"""The ``thingreg`` command line: one module per command group."""
