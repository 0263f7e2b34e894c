"""Tests of the editing features for artifacts.yaml and .gto (``gto/server/editing/``)."""
