"""The Google port: the only package that imports googleapiclient.

`clients.google_services(...)` builds Gmail, Calendar and Drive clients for one user's credentials, pointed at
Google or (with GOOGLE_API_BASE_URL) at the local emulator; `calls.execute(...)` runs a request with retries
and turns Google's failures into `GoogleError`s with a kind the rest of the product understands.
"""
from server.google.errors import GoogleError

__all__ = ["GoogleError"]
