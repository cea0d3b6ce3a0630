"""Each learner's own copy of the course, and the teacher's commands to collect and reset it.

The hub calls :func:`copy_course` before it starts a learner's server (its ``pre_spawn_hook``,
see :func:`make_pre_spawn_hook`): the first time, the notebooks are copied into the learner's
``~/course``; after that the copy is the learner's and is never overwritten. From the shell, as
root on the hub's server::

    python -m tools.hub.workshop collect --to /srv/collected       # every learner's notebooks
    python -m tools.hub.workshop reset alice                      # alice gets a fresh copy next start

``reset`` never deletes anything: it renames ``~/course`` to ``~/course-before-reset-<time>``.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["COURSE_FOLDER", "collect", "copy_course", "learner_homes", "make_pre_spawn_hook", "reset"]

COURSE_FOLDER = "course"
"""The folder in each learner's home that holds their copy (and where their server starts)."""

# What is not copied: checkpoints and caches of whoever built the source folder.
_IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ".*")


def copy_course(source: Path, home: Path, owner: str | None = None, folder: str = COURSE_FOLDER) -> Path:
    """Copy the notebooks in ``source`` to ``home/folder``, unless that folder exists already.

    Parameters
    ----------
    source:
        The folder of notebooks to hand out (``student/`` from ``make student``, or ``notebooks/``).
    home:
        The learner's home folder; created if missing.
    owner:
        A system user name: the copy (and ``home``, if created here) is given to that user.
        ``None`` leaves the files to whoever runs this (the test hub's case).
    folder:
        The name of the copy inside ``home``.

    Returns
    -------
    Path
        ``home/folder``, the folder the learner's server should start in.
    """
    source = Path(source)
    if not source.is_dir() or not any(source.glob("*.ipynb")):
        raise FileNotFoundError(
            f"`source` must be a folder of notebooks, got {source} "
            f"({'no .ipynb in it' if source.is_dir() else 'not a folder'}). "
            "Make the student copies with `make student`, or point COURSE_HUB_NOTEBOOKS at notebooks/."
        )
    home = Path(home)
    dest = home / folder
    if dest.exists():
        return dest  # the learner's work: never overwritten
    home_created = not home.exists()
    home.mkdir(parents=True, exist_ok=True)
    partial = home / f".{folder}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial, ignore=_IGNORE)
    if owner is not None:
        _chown_tree(partial, owner)
        if home_created:
            _chown_tree(home, owner, recursive=False)
    partial.rename(dest)  # atomic: a half-copied course is never mistaken for the learner's
    return dest


def _chown_tree(path: Path, owner: str, recursive: bool = True) -> None:
    """Give ``path`` (and, if ``recursive``, everything under it) to the system user ``owner``."""
    try:
        entry = pwd.getpwnam(owner)
    except KeyError:
        raise KeyError(
            f"`owner` must be a system user, got {owner!r}: create it first (see docs/jupyterhub.md)."
        ) from None
    paths: Iterator[Path] = path.rglob("*") if recursive else iter(())
    for item in [path, *paths]:
        os.chown(item, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def make_pre_spawn_hook(source: Path, system_users: bool) -> Callable[[Any], None]:
    """Return a ``Spawner.pre_spawn_hook`` that gives the learner their copy and starts them in it.

    With ``system_users`` the home folder is the system user's (``pwd``) and the copy is theirs;
    otherwise (the test hub's ``SimpleLocalProcessSpawner``) it is the spawner's ``home_dir``.
    """
    source = Path(source)

    def pre_spawn_hook(spawner: Any) -> None:
        name = spawner.user.name
        home = Path(pwd.getpwnam(name).pw_dir) if system_users else Path(spawner.home_dir)
        dest = copy_course(source, home, owner=name if system_users else None)
        spawner.notebook_dir = str(dest)
        spawner.log.info("Course copy for %s: %s", name, dest)

    return pre_spawn_hook


def learner_homes(homes: Path, folder: str = COURSE_FOLDER) -> dict[str, Path]:
    """Map each learner's name to their course folder: every ``homes/NAME/folder`` that exists."""
    homes = Path(homes)
    if not homes.is_dir():
        raise FileNotFoundError(f"`homes` must be the folder of home folders (e.g. /home), got {homes}.")
    return {home.name: home / folder for home in sorted(homes.iterdir()) if (home / folder).is_dir()}


def collect(homes: Path, to: Path, folder: str = COURSE_FOLDER) -> dict[str, int]:
    """Copy every learner's notebooks to ``to/NAME/``; return how many notebooks each had.

    Only ``.ipynb`` files are taken (not checkpoints). ``to`` must not exist yet, so a second
    collection never mixes with a first.
    """
    to = Path(to)
    if to.exists():
        raise FileExistsError(f"`to` must be a new folder, got {to}, which exists. Use e.g. --to {to}-2.")
    counts: dict[str, int] = {}
    for name, course in learner_homes(homes, folder).items():
        notebooks = [p for p in course.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
        for notebook in notebooks:
            target = to / name / notebook.relative_to(course)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(notebook, target)
        counts[name] = len(notebooks)
    return counts


def reset(home: Path, folder: str = COURSE_FOLDER) -> Path | None:
    """Rename ``home/folder`` aside so the next server start copies a fresh course; return the new name.

    Nothing is deleted. Returns ``None`` when there was no copy to move. Stop the learner's
    server first (hub admin page), or their open notebooks will save into the old folder.
    """
    course = Path(home) / folder
    if not course.exists():
        return None
    moved = course.with_name(f"{folder}-before-reset-{time.strftime('%Y%m%d-%H%M%S')}")
    course.rename(moved)
    return moved


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.hub.workshop collect|reset``: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m tools.hub.workshop", description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=Path, default=Path("/home"), help="folder of home folders (default /home)")
    commands = parser.add_subparsers(dest="command", required=True)
    collect_parser = commands.add_parser("collect", help="copy every learner's notebooks to a new folder")
    collect_parser.add_argument("--to", type=Path, required=True, help="a folder that does not exist yet")
    reset_parser = commands.add_parser("reset", help="move a learner's copy aside; the next start copies afresh")
    reset_parser.add_argument("names", nargs="+", help="learners' user names")
    args = parser.parse_args(argv)
    if args.command == "collect":
        try:
            counts = collect(args.homes, args.to)
        except (FileExistsError, FileNotFoundError) as error:
            parser.exit(2, f"error: {error}\n")
        for name, count in counts.items():
            print(f"{name}: {count} notebooks")
        print(f"{len(counts)} learners collected into {args.to}")
    else:
        for name in args.names:
            moved = reset(args.homes / name)
            print(f"{name}: " + (f"moved to {moved}" if moved else "no course copy (nothing to do)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
