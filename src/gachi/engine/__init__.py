"""The measurement engine: definitions in, immutable results out. No web, no ORM."""
