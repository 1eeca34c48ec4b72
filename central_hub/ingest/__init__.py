"""Provides ingest: a node's batch verified, ordered and applied exactly once.

Everything a batch's transaction does lives here: the pure ordering rule (sequencing),
held batches, the case projection with its quarantine, routing to the parties' feeds, the
record of how each node reached the hub, the proofs of nodes that equivocated, and resumable
uploads. HTTP and USB both call
`Ingestor`.
"""

from __future__ import annotations

from .contacts import node_contacts
from .equivocation import equivocations, equivocations_of, take_reported
from .ingestor import Ingestor, enrolled_node
from .sequencing import Decision
from .uploads import Uploads

__all__ = [
    "Decision",
    "Ingestor",
    "Uploads",
    "enrolled_node",
    "equivocations",
    "equivocations_of",
    "node_contacts",
    "take_reported",
]
