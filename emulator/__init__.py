"""Local emulator of the Gmail v1, Calendar v3 and Drive v3 REST APIs (plus Google OAuth token endpoints).

``python -m emulator --port 8090 --data demo`` serves it; ``emulator.app.create_app(state, config)``
builds the Flask app; ``emulator.state.State`` is the in-memory world. See emulator/README.md.
"""

__all__ = ["__version__"]
__version__ = "1.0.0"
