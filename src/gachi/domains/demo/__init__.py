"""The Korean demo loaded by `gachi demo`."""
