"""Query engines behind the one :class:`~cmkg.engine.base.Engine` interface."""

from cmkg.engine.base import Engine, QueryInfo, QueryResult, inspect_query
from cmkg.engine.local import LocalEngine

__all__ = ["Engine", "LocalEngine", "QueryInfo", "QueryResult", "inspect_query"]
