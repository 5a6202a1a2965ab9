"""Table models: small lists in memory (rows.py), long ones fetched from SQL on demand."""
