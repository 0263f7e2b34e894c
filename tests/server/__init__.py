"""Tests of the daemon and the editor server (``gto/server/``), end to end over real transports."""
