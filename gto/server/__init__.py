"""The registry daemon and the editor server (SPEC §8): one in-memory registry, JSON-RPC over LSP framing.

``gto daemon start`` runs one daemon per work tree on a unix socket; ``gto server --stdio`` runs
the same server for an editor that spawns it. Importing this package must stay free: the thin
command-line client imports ``gto.server.client`` and ``gto.server.location``, which use the
standard library only, so nothing heavy may be imported here.
"""
