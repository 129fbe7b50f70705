"""``thingreg verify TOKEN --jwks FILE``: check a registry's token offline, as any IoT system can.

Only the registry's published key set (``/.well-known/jwks.json``, saved to a file) is needed:
the signature must verify with the key its ``kid`` names, and the token must not have
expired; ``--issuer`` and ``--audience`` check ``iss`` and ``aud`` too. Revocations are not
seen offline (``POST /auth/introspect`` asks the registry); tokens are short-lived for that.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from thingreg.cli.output import EXIT_CODES, OK, Refused, add_command, print_json
from thingreg.core.auth import jose

EPILOG = EXIT_CODES + "\nThe token is good (0): its claims are printed as JSON; not good: 1.\n"


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "verify",
        help="verify a registry's token offline with its published keys (JWKS)",
        description="Verify a token the registry issued, offline, with the key set it "
        "publishes at /.well-known/jwks.json; print its claims.",
        epilog=EPILOG,
    )
    parser.add_argument("token", help="the token (a compact JWS); - reads it from stdin")
    parser.add_argument("--jwks", type=Path, required=True, help="the registry's key set (JSON)")
    parser.add_argument("--issuer", help="the expected iss (the registry's public URL)")
    parser.add_argument("--audience", help="the expected aud")
    parser.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from_stdin = args.token == "-"  # noqa: S105 (the stdin marker, not a secret)
    token = sys.stdin.read().strip() if from_stdin else args.token.strip()
    keys = orjson.loads(args.jwks.read_bytes()).get("keys")
    if not isinstance(keys, list):
        raise ValueError(f"{args.jwks}: not a JWK set")
    problem, claims = check(token, keys, issuer=args.issuer, audience=args.audience)
    if problem is not None:
        raise Refused(f"the token is not good: {problem}")
    print_json(claims)
    return OK


def check(
    token: str, keys: list[Any], *, issuer: str | None, audience: str | None
) -> tuple[str | None, dict[str, Any]]:
    """The first thing wrong with ``token`` under the key set ``keys`` (or ``None``), and its
    claims."""
    try:
        jws = jose.parse(token)
    except jose.InvalidJWS as exc:
        return f"malformed: {exc}", {}
    kid = jws.header.get("kid")
    jwk = next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)
    if jwk is None:
        return f"no published key has kid {kid!r}", {}
    try:
        key = jose.key_from_jwk(jwk)
    except ValueError as exc:
        return f"the published key does not load: {exc}", {}
    if not jose.verify(jws, key, jose.algorithm_of(key)):
        return "the signature does not verify", {}
    claims = jws.claims
    expiry = claims.get("exp")
    if not isinstance(expiry, int | float) or expiry <= time.time():
        return "expired", claims
    if issuer is not None and claims.get("iss") != issuer:
        return f"issued by {claims.get('iss')!r}, not {issuer!r}", claims
    aud = claims.get("aud")
    if audience is not None and audience != aud and not (isinstance(aud, list) and audience in aud):
        return f"meant for {aud!r}, not {audience!r}", claims
    return None, claims
