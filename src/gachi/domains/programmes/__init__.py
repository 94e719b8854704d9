"""Programmes, products and activities; the indicators chosen for them; own indicators."""
