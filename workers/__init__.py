"""RQ jobs and schedules: the background workers that keep each person's index in sync."""
