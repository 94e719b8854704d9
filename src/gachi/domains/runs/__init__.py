"""Measurement runs: the engine over an organisation's data, in the background, with lineage;
the dashboard and the explanation of every number it shows."""
