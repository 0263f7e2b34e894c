"""``python -m bench``: run the benchmarks (see ``bench/README.md``); ``bash bench/run.sh`` sets up first."""

from __future__ import annotations

from bench.runner import main

raise SystemExit(main())
