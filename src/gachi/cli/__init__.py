"""The command line: a thin wrapper over the library. Library errors become one clear line."""
