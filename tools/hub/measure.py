"""How big a server does a room need? Run a chapter as learners on the test hub and measure it.

::

    python -m tools.hub.measure                          # chapter 11, one learner
    python -m tools.hub.measure 15_case_pretrain_finetune.ipynb --learners 2

Starts the hub of ``tools/hub/jupyterhub_config_test.py`` in a temporary folder; each learner
logs in, starts a server and runs every code cell of the notebook in order in one kernel, all
learners at the same time. Every 0.2 s it samples the resident memory (RSS) of each learner's
server and kernel. Printed: hub start and spawn times, each learner's peak memory, the slowest
cells, and the CPU time the kernels used (CPU seconds / wall seconds = cores kept busy).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import psutil

from tools.hub.settings import REPO
from tools.hub.testhub import ExecuteResult, Hub, Learner, running_hub

__all__ = ["main"]


def _code_cells(notebook: Path) -> list[str]:
    import nbformat

    return [cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]


def _cpu_seconds(learner: Learner) -> float:
    total = 0.0
    for proc in learner.server_processes():
        try:
            times = proc.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.Error:
            pass
    return total


def _hub_and_proxy_bytes(hub: Hub, learners: list[Learner]) -> int:
    """Resident memory of the hub's own processes: everything under it but the learners' servers."""
    theirs = {proc.pid for learner in learners for proc in learner.server_processes()}
    total = 0
    for proc in hub.processes():
        if proc.pid not in theirs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
    return total


def main(argv: list[str] | None = None) -> int:
    """Run the measurement; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m tools.hub.measure", description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", default="11_case_image_cnn.ipynb", help="a notebook in notebooks/")
    parser.add_argument("--learners", type=int, default=1, help="learners running it at once (default 1)")
    args = parser.parse_args(argv)
    if args.learners < 1:
        parser.error(f"--learners must be 1 or more, got {args.learners}")
    source = REPO / "notebooks" / args.notebook
    if not source.is_file():
        parser.error(f"no notebook {source}: give a file name from notebooks/, e.g. 11_case_image_cnn.ipynb")
    cells = _code_cells(source)

    with tempfile.TemporaryDirectory(prefix="course-hub-measure-") as work, running_hub(Path(work)) as hub:
        print(f"hub start: {hub.start_seconds:.1f} s (load average {psutil.getloadavg()[0]:.2f})")
        learners = [Learner(hub, f"learner{i + 1}") for i in range(args.learners)]
        for learner in learners:
            learner.log_in()
            print(f"{learner.name}: server started in {learner.start_server():.1f} s")
        idle_rss = {learner.name: learner.memory_bytes() for learner in learners}
        print(f"hub and proxy: {_hub_and_proxy_bytes(hub, learners) / 2**20:.0f} MiB")
        kernels = {learner.name: learner.start_kernel(args.notebook) for learner in learners}
        peaks = dict.fromkeys(kernels, 0)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for learner in learners:
                    peaks[learner.name] = max(peaks[learner.name], learner.memory_bytes())
                time.sleep(0.2)

        results: dict[str, list[ExecuteResult]] = {}

        def run(learner: Learner) -> None:
            results[learner.name] = [learner.execute(kernels[learner.name], code, timeout=600) for code in cells]

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu_before = {learner.name: _cpu_seconds(learner) for learner in learners}
        started = time.perf_counter()
        runners = [threading.Thread(target=run, args=(learner,)) for learner in learners]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join()
        wall = time.perf_counter() - started
        cpu = {learner.name: _cpu_seconds(learner) - cpu_before[learner.name] for learner in learners}
        done.set()
        sampler.join()
        end_rss = {learner.name: learner.memory_bytes() for learner in learners}

        print(
            f"{args.notebook}: {len(cells)} code cells, {args.learners} learner(s) at once, {wall:.1f} s wall "
            f"(load average {psutil.getloadavg()[0]:.2f})"
        )
        for learner in learners:
            outcome = results.get(learner.name, [])
            failed = [r for r in outcome if r.status != "ok"]
            slowest = sorted(range(len(outcome)), key=lambda i: -outcome[i].seconds)[:3]
            print(
                f"  {learner.name}: server idle {idle_rss[learner.name] / 2**20:.0f} MiB, "
                f"peak server+kernel {peaks[learner.name] / 2**20:.0f} MiB, "
                f"after the last cell {end_rss[learner.name] / 2**20:.0f} MiB, "
                f"CPU {cpu[learner.name]:.1f} s ({cpu[learner.name] / wall:.2f} cores on average), "
                f"{len(failed)} failed cells" + (f" (first: {failed[0].error})" if failed else "")
            )
            print("    slowest cells: " + ", ".join(f"#{i + 1} {outcome[i].seconds:.1f} s" for i in slowest))
        for learner in learners:
            learner.stop_server()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
