"""Understanding a request: `ParsedIntent` (schema.py), English time expressions (timeexpr.py) and the offline
classifier (offline.py) that needs no network; an LLM provider returns the same JSON (`llm_instructions()`).
"""
