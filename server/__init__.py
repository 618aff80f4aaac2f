"""Workspace Orchestrator server: faces (Flask blueprints) over one pipeline, with adapters for Google, LLMs,
embeddings, the PostgreSQL store and the RQ queue."""
