"""Developer tools: generators of data files the package ships (not installed with it)."""
