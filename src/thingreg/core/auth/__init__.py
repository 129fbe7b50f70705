"""Device authentication: credentials bound to things, proof of possession, signed tokens.

* :mod:`.jose` — the compact JWS and JWK code the rest uses (EdDSA and ES256 only);
* :mod:`.keys` — reading the public keys and certificates that devices are bound by;
* :mod:`.credentials` — the credential use cases (bind, list, change state, remove);
* :mod:`.keyring` — the registry's own token signing keys: creation, rotation, JWKS;
* :mod:`.authenticator` — challenge, token and introspection.
"""
