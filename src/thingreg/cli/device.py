"""``thingreg device keygen|token``: what a device or gateway runs to prove who it is."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import orjson

from thingreg.client import device
from thingreg.core.auth.jose import PrivateKey

DEFAULT_URL = "http://127.0.0.1:8080"
_SHOWN = ["json", "jwk", "did", "thumbprint"]

EPILOG = """\
exit codes:
  0  done
  1  the registry refused (e.g. 401: the key is not bound to the thing, or not active)
  2  bad usage, an unreadable key file, or a registry that could not be reached
"""


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "device",
        help="a device's key pair, and a token proving the device holds it",
        description="Make a device key pair, or prove possession of it to a registry and get "
        "a token.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    keygen = actions.add_parser(
        "keygen",
        help="make a key pair: write the private key, print the public key",
        description="Make an Ed25519 or P-256 (ES256) key pair; write the private key as PEM "
        "(mode 0600) and print the public key to bind to the thing: a JSON object with its "
        "JWK, did:key and thumbprint, or only one of them with --print.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    keygen.add_argument("--alg", choices=list(device.KEY_TYPES), default="Ed25519")
    keygen.add_argument("--out", type=Path, required=True, help="private key file to write")
    keygen.add_argument("--force", action="store_true", help="overwrite an existing file")
    keygen.add_argument(
        "--print",
        dest="show",
        choices=_SHOWN,
        default="json",
        help="what to print (default: all of it as JSON)",
    )
    keygen.set_defaults(run=run_keygen)

    show = actions.add_parser(
        "show",
        help="print the public key of an existing private key file",
        description="Print what to bind an existing key by (JWK, did:key, thumbprint); the "
        "thumbprint is also the id of its credential on the registry.",
    )
    show.add_argument("--key", type=Path, required=True, help="the private key (PEM)")
    show.add_argument("--print", dest="show", choices=_SHOWN, default="json")
    show.set_defaults(run=run_show)

    token = actions.add_parser(
        "token",
        help="prove possession of a key to a registry and print the token",
        description="Ask the registry for a challenge for THING, sign it with the key and "
        "exchange it for a token; print the token (--json: the registry's whole answer).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    token.add_argument("--key", type=Path, required=True, help="the device's private key (PEM)")
    token.add_argument("--thing", required=True, help="any identifier of the thing")
    token.add_argument(
        "--url",
        default=os.environ.get("THINGREG_URL", DEFAULT_URL),
        help=f"base URL of the registry (default $THINGREG_URL or {DEFAULT_URL})",
    )
    token.add_argument(
        "--cert", type=Path, help="the device's certificate (PEM, chain after it), if bound by one"
    )
    token.add_argument(
        "--audience",
        help="the registry's public URL when it differs from --url on purpose (a proxy)",
    )
    token.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    token.set_defaults(run=run_token)


def run_keygen(args: argparse.Namespace) -> int:
    key = device.generate_key(args.alg)
    try:
        device.write_private_key(key, args.out, overwrite=args.force)
    except FileExistsError:
        sys.stderr.write(f"thingreg: {args.out} exists; pass --force to overwrite it\n")
        return 2
    _print_public(key, args.show)
    return 0


def run_show(args: argparse.Namespace) -> int:
    _print_public(device.load_private_key(args.key), args.show)
    return 0


def _print_public(key: PrivateKey, shown: str) -> None:
    described = device.describe_key(key)
    if shown == "json":
        sys.stdout.write(orjson.dumps(described, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif shown == "jwk":
        sys.stdout.write(orjson.dumps(described["jwk"]).decode() + "\n")
    else:
        sys.stdout.write(f"{described[shown]}\n")


def run_token(args: argparse.Namespace) -> int:
    try:
        answer = device.token(
            args.url,
            args.thing,
            args.key,
            certificate_path=args.cert,
            audience=args.audience,
        )
    except device.DeviceError as exc:
        sys.stderr.write(f"thingreg: {exc}\n")
        return 1 if exc.refused else 2
    if args.json:
        sys.stdout.write(orjson.dumps(answer, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(f"{answer.get('access_token', '')}\n")
    return 0
