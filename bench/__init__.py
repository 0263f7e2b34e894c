"""Benchmarks of gto: a generator of registry repositories and a runner that times the CLI.

``bench.bulk`` builds big repositories with git's bulk plumbing (also used by the tests),
``bench.repogen`` plans and caches deterministic registry repositories, ``bench.timing``
measures commands as medians of repeated runs, ``bench.daemon`` holds the slots for the
daemon measurements, and ``bench.runner`` (``python -m bench``) puts it all together.
Nothing here is part of the ``gto`` package, and nothing in ``gto`` imports it.
"""
