"""Personal API tokens with scopes, for scripts that call the JSON API."""
