"""Fetch the JavaScript that the book and the slides load, once, so pages work with no network.

The packages, their versions, tarball addresses and npm's sha512 integrity are pinned in
``tools/vendor.json``. :func:`fetch` downloads a tarball from the npm registry (install time:
the only moment the course uses the network), refuses it unless its sha512 matches the pin,
and unpacks it into ``.vendor/NAME-VERSION/`` (git-ignored). A second call finds it there and
uses no network. No Node.js is needed::

    python -m tools.vendor            # every package
    python -m tools.vendor mathjax    # one
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = Path(__file__).with_name("vendor.json")
VENDOR_DIR = ROOT / ".vendor"


def packages() -> dict[str, dict[str, str]]:
    """Return the pinned packages of ``tools/vendor.json``, by npm name."""
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["packages"]


def _check_integrity(data: bytes, integrity: str, name: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise ValueError(f"{name}: integrity must be an npm sha512 string, got {integrity!r}.")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise ValueError(
            f"{name}: the downloaded tarball's sha512 is {actual}, but tools/vendor.json pins "
            f"{expected}. The file was corrupted or replaced; delete .vendor/ and try again, and "
            "if it persists do not change the pin without checking the release."
        )


def fetch(name: str, *, dest: Path | None = None) -> Path:
    """Return the folder holding package ``name`` (npm's ``package/`` contents), fetching it if needed.

    Parameters
    ----------
    name:
        An npm package name listed in ``tools/vendor.json``, e.g. ``"mathjax"``.
    dest:
        Where the unpacked folders live; default ``.vendor/`` at the top of the repository.
    """
    pins = packages()
    if name not in pins:
        raise KeyError(f"`name` must be one of {sorted(pins)}, got {name!r}; add it to tools/vendor.json.")
    pin = pins[name]
    base = Path(dest) if dest is not None else VENDOR_DIR
    folder = base / f"{name}-{pin['version']}"
    done = folder / ".complete"
    if done.is_file():
        return folder
    print(f"fetching {name} {pin['version']} from the npm registry", file=sys.stderr)
    with urllib.request.urlopen(pin["tarball"], timeout=120) as response:  # noqa: S310 (pinned https URL)
        data = response.read()
    _check_integrity(data, pin["integrity"], name)
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            # npm tarballs hold one top folder (usually `package/`); strip it.
            parts = Path(member.name).parts[1:]
            if not parts or not (member.isfile() or member.isdir()) or ".." in parts:
                continue
            target = folder.joinpath(*parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None
            target.write_bytes(source.read())
    done.write_text(pin["integrity"] + "\n")
    return folder


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or sorted(packages())
    for name in names:
        print(fetch(name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
