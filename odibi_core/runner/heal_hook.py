"""The seam between the scheduler and auto-heal (which lives above, in ``odibi_core.intel``).

When a node fails for good, the scheduler hands a :class:`HealCall` to the healer the session
gave it. The healer may record a proposal and return ``None`` (suggest mode, or nothing found),
or return a patched :class:`NodeConfig` to run again (apply mode, dev only). The frames the node
had in hand when it failed travel in :class:`FailureScope`, so a proposal can be dry-run on zero
rows of the very same inputs without reading anything again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from odibi_core.config.models import NodeConfig
from odibi_core.engines.base import Engine
from odibi_core.errors import NodeExecutionError
from odibi_core.graph import GraphNode
from odibi_core.runner.results import NodeResult


@dataclass
class FailureScope:
    """Frames of a failed node: its main read (``None`` when it starts from a dependency), every
    dependency by node name and every input by alias, and ``current``: the frame the failing step
    received (``df`` in its SQL). Held only while the healer runs."""

    read: Any = None
    tables: dict[str, Any] = field(default_factory=dict)
    current: Any = None


@dataclass
class HealCall:
    graph_node: GraphNode
    error: NodeExecutionError
    scope: FailureScope
    result: NodeResult
    engine: Engine
    run_id: str
    env: str | None
    round: int  # 1 for the first heal of this node in this run


Healer = Callable[[HealCall], "NodeConfig | None"]
