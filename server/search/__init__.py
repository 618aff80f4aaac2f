"""Hybrid search over one person's index: full text + vectors + metadata filters, fused with Reciprocal Rank
Fusion. One SQL statement per service (`statements.py`); every statement filters by user_id first."""
from server.search.engine import METHODS, SearchFilters, SearchHit, search

__all__ = ["METHODS", "SearchFilters", "SearchHit", "search"]
