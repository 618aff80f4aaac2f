"""Generic resilience pieces shared by the ports: a circuit breaker and jittered exponential backoff."""
