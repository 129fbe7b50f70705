"""Constrained devices: CoAP, CoRE Link Format and a CoRE Resource Directory (RFC 9176)."""
