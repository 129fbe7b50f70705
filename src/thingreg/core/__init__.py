"""The domain: thing descriptions, the directory, search and events; no HTTP, no SQL."""
