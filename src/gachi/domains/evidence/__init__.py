"""Evidence: files attached to data points and indicators, and verifiers' access to them."""
