"""The pipeline every face calls: intent → plan (a DAG of steps) → orchestrator (steps in parallel) → answer."""
