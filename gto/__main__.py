"""``python -m gto``: the same as the ``gto`` console script."""

from __future__ import annotations

from gto.entry import main

if __name__ == "__main__":
    main()
