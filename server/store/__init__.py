"""Persistence: the psycopg 3 pool, migrations, and one module per table group (SQL written out plainly)."""
