"""Semantic annotations of TDs: the SAREF classes a thing carries, and the class hierarchy."""
