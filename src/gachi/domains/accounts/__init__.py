"""Sign-up, login, sessions."""
