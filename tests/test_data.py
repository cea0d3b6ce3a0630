"""``helpers.data``: loaders return what they promise, and refuse any file that is missing or changed."""

from __future__ import annotations

import json
import pickle
import re
import shutil
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import data, pretrain
from helpers.data import DatasetIntegrityError

DATASETS = Path(__file__).resolve().parents[1] / "datasets"
MANIFEST = json.loads((DATASETS / "manifest.json").read_text(encoding="utf-8"))["files"]
FILES = sorted(MANIFEST)

# The loader that reads each manifest file (a new file needs a loader, and a line here).
LOADERS = {
    "credit_data.csv.gz": data.load_credit_data,
    "credit_default.csv.gz": data.load_credit_default,
    "mnist_5000.npz": data.load_mnist_5000,
    "movielens_movies.csv.gz": data.load_movielens,
    "movielens_ratings.csv.gz": data.load_movielens,
    "reviews_zh.csv.gz": data.load_reviews_zh,
    "reviews_zh_mlm_encoder.zip": pretrain.load_pretrained,
    "reviews_zh_finetuned.zip": pretrain.load_finetuned,
}
NOT_DATA = {"build.py", "README.md", "manifest.json", "datasheets"}


@pytest.fixture(autouse=True)
def _real_datasets(monkeypatch):
    """Every test starts from the repository's datasets, whatever the caller's environment says."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)


@cache
def _loaded(loader_name: str):
    """Load each dataset once per test session (the loaders' results are not mutated by the tests)."""
    return getattr(data, loader_name)()


def _rows(name: str) -> int:
    return MANIFEST[name]["rows"]


# ---------------------------------------------------------------------------------------------
# what the loaders return


def test_every_manifest_file_has_a_loader():
    assert sorted(LOADERS) == FILES, "add the new dataset's loader to LOADERS in this test file"


def test_load_reviews_zh():
    reviews = _loaded("load_reviews_zh")
    assert isinstance(reviews, pd.DataFrame)
    assert list(reviews.columns) == ["text", "label"] == MANIFEST["reviews_zh.csv.gz"]["columns"]
    assert len(reviews) == _rows("reviews_zh.csv.gz")
    assert reviews["label"].dtype == np.int64
    assert set(reviews["label"].unique()) == {0, 1}
    assert reviews["label"].is_monotonic_decreasing, "the docstring promises all positive reviews first"
    assert pd.api.types.is_string_dtype(reviews["text"])
    assert not reviews["text"].isna().any(), "a review text was read as NaN (keep_default_na=False is needed)"
    assert all(isinstance(t, str) and t.strip() for t in reviews["text"]), "every review is non-empty text"


def test_load_movielens():
    ratings, movies = _loaded("load_movielens")
    assert isinstance(ratings, pd.DataFrame) and isinstance(movies, pd.DataFrame)
    assert list(ratings.columns) == ["userId", "movieId", "rating", "timestamp"]
    assert list(movies.columns) == ["movieId", "title", "year", "genres"]
    assert len(ratings) == _rows("movielens_ratings.csv.gz")
    assert len(movies) == _rows("movielens_movies.csv.gz")
    for column in ("userId", "movieId", "timestamp"):
        assert pd.api.types.is_integer_dtype(ratings[column]), (column, ratings[column].dtype)
    assert set(ratings["rating"].unique()) <= {k / 2 for k in range(1, 11)}, "ratings are 0.5 to 5 in half stars"
    assert ratings["rating"].min() == 0.5 and ratings["rating"].max() == 5.0
    assert ratings["timestamp"].min() > 0
    assert movies["movieId"].is_unique, "movies has one row per film"
    assert ratings["movieId"].isin(movies["movieId"]).all(), "every rated film is in movies"
    assert pd.api.types.is_string_dtype(movies["title"]) and pd.api.types.is_string_dtype(movies["genres"])


def test_load_credit_default():
    default = _loaded("load_credit_default")
    assert isinstance(default, pd.DataFrame)
    assert list(default.columns) == ["default", "student", "balance", "income"]
    assert len(default) == _rows("credit_default.csv.gz") == 10_000
    for column in ("default", "student"):
        assert set(default[column].unique()) == {"Yes", "No"}, column
    for column in ("balance", "income"):
        assert default[column].dtype == np.float64, column
        assert (default[column] >= 0).all(), column


def test_load_credit_data():
    credit = _loaded("load_credit_data")
    assert isinstance(credit, pd.DataFrame)
    assert list(credit.columns) == MANIFEST["credit_data.csv.gz"]["columns"]
    assert len(credit) == _rows("credit_data.csv.gz")
    assert set(credit["Status"].unique()) == {"good", "bad"}
    assert credit.isna().any().any(), "the docstring promises missing values"


def test_load_mnist_5000():
    images, labels = _loaded("load_mnist_5000")
    assert isinstance(images, np.ndarray) and isinstance(labels, np.ndarray)
    assert images.dtype == np.uint8 and images.shape == (5000, 784) == (_rows("mnist_5000.npz"), 28 * 28)
    assert labels.dtype == np.uint8 and labels.shape == (5000,)
    assert images.min() == 0 and images.max() == 255
    assert set(np.unique(labels)) == set(range(10))
    with np.load(DATASETS / "mnist_5000.npz", allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(MANIFEST["mnist_5000.npz"]["columns"])


def test_loading_never_unpickles(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a loader tried to unpickle data")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    for loader in dict.fromkeys(LOADERS.values()):  # each loader once, called fresh (not the cached results)
        loader()


# ---------------------------------------------------------------------------------------------
# the manifest and verification


def test_manifest_is_complete():
    on_disk = {p.name for p in DATASETS.iterdir()} - NOT_DATA
    assert on_disk == set(MANIFEST), (
        f"files not in the manifest: {sorted(on_disk - set(MANIFEST))}; "
        f"in the manifest but not on disk: {sorted(set(MANIFEST) - on_disk)}"
    )
    for name, entry in MANIFEST.items():
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), f"{name}: bad sha256"
        assert entry["bytes"] == (DATASETS / name).stat().st_size, f"{name}: size differs from the manifest"
        assert isinstance(entry["rows"], int) and entry["rows"] > 0, f"{name}: rows"
        assert entry["columns"] and all(isinstance(c, str) for c in entry["columns"]), f"{name}: columns"
        assert entry["source"]["package"] and entry["source"]["version"], f"{name}: source"
        assert entry["licence"].strip(), f"{name}: licence"
        assert (DATASETS / entry["datasheet"]).is_file(), f"{name}: datasheet {entry['datasheet']} does not exist"


def test_manifest_function_reads_the_files_table():
    assert data.manifest() == MANIFEST
    assert data.data_dir() == DATASETS


def test_verify_reports_every_file_ok():
    results = data.verify()
    assert [r.name for r in results] == FILES
    failed = {r.name: r.message for r in results if not r.ok}
    assert failed == {}, f"dataset files fail their checksum: {failed}"


def test_verified_path_of_an_unknown_name_lists_the_known_files():
    with pytest.raises(ValueError) as info:
        data.verified_path("nope.csv")
    message = str(info.value)
    assert "'nope.csv'" in message
    for name in FILES:
        assert name in message, f"{name} missing from: {message}"


def test_sha256_of_matches_the_manifest():
    name = "credit_data.csv.gz"
    assert data.sha256_of(DATASETS / name) == MANIFEST[name]["sha256"]


# ---------------------------------------------------------------------------------------------
# damaged copies (COURSE_DATA_DIR points at a copy in tmp_path)


def _copy_datasets(tmp_path: Path) -> Path:
    copy = tmp_path / "datasets"
    copy.mkdir()
    for name in ["manifest.json", *FILES]:
        shutil.copyfile(DATASETS / name, copy / name)
    return copy


def _cli(run_python, *args: str):
    return run_python("", "-m", "helpers.data", *args, env={"COURSE_DATA_DIR": None})


@pytest.mark.parametrize("name", FILES)
def test_a_changed_file_is_refused(name, tmp_path, monkeypatch, run_python):
    copy = _copy_datasets(tmp_path)
    target = copy / name
    content = bytearray(target.read_bytes())
    content[len(content) // 2] ^= 0xFF
    target.write_bytes(bytes(content))
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))

    with pytest.raises(DatasetIntegrityError) as info:
        LOADERS[name]()
    message = str(info.value)
    assert name in message and "checksum" in message, message
    assert f"git checkout -- datasets/{name}" in message, f"the message should say how to restore: {message}"

    assert {r.name: r.ok for r in data.verify()} == {n: n != name for n in FILES}, "only the changed file fails"

    cli = _cli(run_python, "verify", "--data-dir", str(copy))
    assert cli.returncode == 1, cli.stdout + cli.stderr
    failed_lines = [line for line in cli.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed_lines) == 1 and name in failed_lines[0], cli.stdout
    assert f"1 of {len(FILES)} dataset files failed: {name}" in cli.stderr


@pytest.mark.parametrize("name", FILES)
def test_a_missing_file_is_refused(name, tmp_path, monkeypatch, run_python):
    copy = _copy_datasets(tmp_path)
    (copy / name).unlink()
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))

    with pytest.raises(DatasetIntegrityError) as info:
        LOADERS[name]()
    message = str(info.value)
    assert name in message and "missing" in message, message
    assert f"git checkout -- datasets/{name}" in message, message

    assert {r.name: r.ok for r in data.verify()} == {n: n != name for n in FILES}

    cli = _cli(run_python, "verify", "--data-dir", str(copy))
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert name in cli.stdout


def test_a_missing_manifest_is_refused(tmp_path, monkeypatch, run_python):
    copy = _copy_datasets(tmp_path)
    (copy / "manifest.json").unlink()
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    for call in (data.manifest, data.verify, data.load_credit_data):
        with pytest.raises(DatasetIntegrityError, match="manifest.*missing.*git checkout -- datasets/manifest.json"):
            call()
    cli = _cli(run_python, "verify", "--data-dir", str(copy))
    assert cli.returncode == 1 and "manifest" in cli.stderr, cli.stderr


def test_a_manifest_of_another_format_is_refused(tmp_path):
    copy = _copy_datasets(tmp_path)
    (copy / "manifest.json").write_text(json.dumps({"format": 2, "files": {}}))
    with pytest.raises(DatasetIntegrityError, match="not a format-1 course manifest"):
        data.manifest(copy)


def test_a_damaged_manifest_is_refused(tmp_path):
    copy = _copy_datasets(tmp_path)
    (copy / "manifest.json").write_text('<<<<<<< HEAD\n{"format": 1}\n')
    with pytest.raises(DatasetIntegrityError, match="git checkout"):
        data.manifest(copy)


def test_columns_that_differ_from_the_manifest_are_refused(tmp_path, monkeypatch):
    copy = _copy_datasets(tmp_path)
    content = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    content["files"]["credit_default.csv.gz"]["columns"][0] = "defaulted"
    (copy / "manifest.json").write_text(json.dumps(content), encoding="utf-8")
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    with pytest.raises(DatasetIntegrityError, match="has columns"):
        data.load_credit_default()


# ---------------------------------------------------------------------------------------------
# the command line


def test_cli_verify_on_the_real_datasets(run_python):
    cli = _cli(run_python, "verify")
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert f"All {len(FILES)} dataset files match the manifest." in cli.stdout
    assert sum(line.startswith("OK") for line in cli.stdout.splitlines()) == len(FILES)


def test_cli_list(run_python):
    cli = _cli(run_python, "list")
    assert cli.returncode == 0, cli.stderr
    lines = cli.stdout.splitlines()
    assert [line.split()[0] for line in lines] == FILES
    assert "35,123 rows" in cli.stdout


def test_cli_rejects_an_unknown_command(run_python):
    cli = _cli(run_python, "download")
    assert cli.returncode == 2 and "invalid choice" in cli.stderr
