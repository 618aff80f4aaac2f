"""The Google Workspace add-on (HTTP endpoints): `deployment.json`, card builders (`cards`), the callbacks
(`callbacks`, a Flask blueprint under /addon) and how requests are verified (`identity`)."""
