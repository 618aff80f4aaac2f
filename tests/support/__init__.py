"""Test support: local stand-ins for services we cannot reach from here (the edge of the world only)."""
