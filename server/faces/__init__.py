"""Faces: thin Flask blueprints that validate input, authenticate, call the pipeline and render its events."""
