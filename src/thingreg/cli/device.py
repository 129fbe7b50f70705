"""``thingreg device keygen|show|token|fleet|endorse``: what a device, gateway or factory runs to
prove who a device is."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from thingreg.cli.client import add_server_options, registry_url
from thingreg.cli.output import (
    EXIT_CODES,
    REFUSED,
    UNREACHABLE,
    USAGE,
    CommandError,
    HelpFormatter,
    UsageError,
    progress,
)
from thingreg.client import device
from thingreg.core.auth.jose import PrivateKey

_SHOWN = ["json", "jwk", "did", "thumbprint"]

EPILOG = EXIT_CODES + (
    "\nA refusal (1) is e.g. 401: the key is not bound to the thing, or not active.\n"
)


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "device",
        help="a device's key pair, and a token proving the device holds it",
        description="Make a device key pair, or prove possession of it to a registry and get "
        "a token.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    keygen = actions.add_parser(
        "keygen",
        help="make a key pair: write the private key, print the public key",
        description="Make an Ed25519 or P-256 (ES256) key pair; write the private key as PEM "
        "(mode 0600) and print the public key to bind to the thing: a JSON object with its "
        "JWK, did:key and thumbprint, or only one of them with --print.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
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
        epilog=EPILOG,
        formatter_class=HelpFormatter,
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
        formatter_class=HelpFormatter,
    )
    token.add_argument("--key", type=Path, required=True, help="the device's private key (PEM)")
    token.add_argument("--thing", required=True, help="any identifier of the thing")
    add_server_options(token, token=False)
    token.add_argument(
        "--cert", type=Path, help="the device's certificate (PEM, chain after it), if bound by one"
    )
    token.add_argument(
        "--endorsement",
        type=Path,
        help="an enrollment group's endorsement of the device (from `thingreg device endorse`)",
    )
    token.add_argument(
        "--audience",
        help="the registry's public URL when it differs from --url on purpose (a proxy)",
    )
    token.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    token.set_defaults(run=run_token)

    fleet = actions.add_parser(
        "fleet",
        help="make the key pairs of many devices and the file that registers them",
        description="Make COUNT key pairs, one private key file per device in --out-dir "
        "(named by the device number, mode 0600), and write the registration file for "
        "`thingreg enroll`: CSV (id,key) or NDJSON, the key as a did:key.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    fleet.add_argument("--count", type=int, required=True, help="how many devices")
    fleet.add_argument(
        "--id",
        dest="pattern",
        required=True,
        help="the device ids, {n} standing for the number: 'urn:dev:ops:32473-sensor-{n:04d}'",
    )
    fleet.add_argument("--start", type=int, default=1, help="the first number (default 1)")
    fleet.add_argument("--alg", choices=list(device.KEY_TYPES), default="Ed25519")
    fleet.add_argument("--out-dir", type=Path, required=True, help="directory for the keys")
    fleet.add_argument(
        "--file", type=Path, required=True, help="registration file to write (.csv or .ndjson)"
    )
    fleet.set_defaults(run=run_fleet)

    endorse = actions.add_parser(
        "endorse",
        help="sign an enrollment group's endorsement of a device (at the factory)",
        description="With the enrollment group's private key, sign a statement that THING is "
        "the device holding --key; the device sends it with its first token request "
        "(`thingreg device token --endorsement FILE`) and is registered then.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    endorse.add_argument("--group-key", type=Path, required=True, help="the group's private key")
    endorse.add_argument("--group", required=True, help="the enrollment group's id")
    endorse.add_argument("--thing", required=True, help="the device's thing id")
    endorse.add_argument("--key", type=Path, required=True, help="the device's private key")
    endorse.add_argument("--out", type=Path, required=True, help="endorsement file to write")
    endorse.set_defaults(run=run_endorse)


def run_keygen(args: argparse.Namespace) -> int:
    key = device.generate_key(args.alg)
    try:
        device.write_private_key(key, args.out, overwrite=args.force)
    except FileExistsError:
        raise UsageError(f"{args.out} exists; pass --force to overwrite it") from None
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
            registry_url(args.url),
            args.thing,
            args.key,
            certificate_path=args.cert,
            endorsement_path=args.endorsement,
            audience=args.audience,
        )
    except device.DeviceError as exc:
        code = REFUSED if exc.refused else UNREACHABLE if exc.unreachable else USAGE
        raise CommandError(str(exc), code) from None
    if args.json:
        sys.stdout.write(orjson.dumps(answer, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(f"{answer.get('access_token', '')}\n")
    return 0


def run_fleet(args: argparse.Namespace) -> int:
    if not 1 <= args.count <= 100_000:
        raise UsageError("--count is 1 to 100000")
    try:
        args.pattern.format(n=args.start)
    except (KeyError, IndexError, ValueError):
        raise UsageError("--id is a pattern with {n} (e.g. urn:dev:ops:x-{n:04d})") from None
    args.out_dir.mkdir(parents=True, exist_ok=True)
    width = len(str(args.start + args.count - 1))
    ndjson = args.file.suffix.lower() in (".ndjson", ".jsonl")
    lines = [] if ndjson else ["id,key"]
    with progress(args.count, "keys") as bar:
        for n in range(args.start, args.start + args.count):
            thing = args.pattern.format(n=n)
            key = device.generate_key(args.alg)
            device.write_private_key(key, args.out_dir / f"{n:0{width}d}.pem")
            did = device.describe_key(key)["did"]
            lines.append(
                orjson.dumps({"id": thing, "key": did}).decode() if ndjson else f"{thing},{did}"
            )
            bar.advance()
    args.file.write_text("\n".join(lines) + "\n", "utf-8")
    sys.stdout.write(f"{args.count} keys in {args.out_dir}, registration file {args.file}\n")
    return 0


def run_endorse(args: argparse.Namespace) -> int:
    group_key = device.load_private_key(args.group_key)
    device_key = device.load_private_key(args.key)
    signed = device.endorse(
        group_key, group=args.group, thing=args.thing, device_key=device_key.public_key()
    )
    args.out.write_text(signed + "\n", "ascii")
    return 0
