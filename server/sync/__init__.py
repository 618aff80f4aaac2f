"""Turning Google's resources into index rows (pure functions, no I/O): Gmail messages, Calendar events, Drive
files. The RQ jobs in `workers/` fetch the resources and store what these return."""
