"""Clients of a thingreg registry: what devices and gateways run (:mod:`.device`)."""
