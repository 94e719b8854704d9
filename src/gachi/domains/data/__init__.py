"""An organisation's data points: per-period values of its programmes' inputs, entered in forms,
uploaded from spreadsheets, exported, and handed to measurement runs as records."""
