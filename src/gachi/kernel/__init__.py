"""Domain primitives shared by every layer: language, units, money. Stdlib and pydantic only."""
