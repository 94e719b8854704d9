"""Domain primitives shared by every layer: messages, units, money, files.

Standard library, Pydantic, PyYAML (sourced tables, message catalogue) and openpyxl only.
"""
