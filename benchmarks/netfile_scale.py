"""Saving and loading large network files: seconds for a given number of links.

Builds ``layered(w, w, w)`` networks (about 2·w² links), saves each and loads it
back, timing the process's CPU (one run each; a shared machine's wall clock
wanders). Loading is linear in the file: the checks run over its lists once and
the network is wired in one pass.

    python -m benchmarks.netfile_scale [--widths 100 200 446]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from lernpy import Network, load, save


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[100, 200, 446])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "net.json")
        for w in args.widths:
            start = time.process_time()
            net = Network.layered(w, w, w, seed=1)
            built = time.process_time() - start
            start = time.process_time()
            save(net, path)
            saved = time.process_time() - start
            start = time.process_time()
            again = load(path)
            loaded = time.process_time() - start
            same = again.weights() == net.weights()
            size = os.path.getsize(path) / 1e6
            print(
                f"{len(net.links):>8} links ({size:.0f} MB): build {built:.2f} s, "
                f"save {saved:.2f} s, load {loaded:.2f} s (CPU), same weights: {same}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
