"""``python -m govbiz_sm2 keygen --private FILE --public FILE``: write a new SM2 checkpoint key pair."""

from __future__ import annotations

import argparse
from pathlib import Path

from govbiz_sm2 import generate_keypair


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govbiz_sm2")
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="write a new SM2 key pair (the private key mode 0600)")
    keygen.add_argument("--private", type=Path, required=True)
    keygen.add_argument("--public", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.private.exists():
        parser.error(f"{args.private} exists: a key in use is never overwritten")
    signer = generate_keypair(args.private, args.public)
    print(f"sm2 key {signer.key_id}: private key {args.private}, public key {args.public}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
