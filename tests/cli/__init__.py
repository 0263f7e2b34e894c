"""Tests of the ``gto`` command line (``gto/cli/``)."""
