"""The formula language: our own grammar, frozen nodes, an allowlist, unit checking, SQL output.

Never `eval`: text becomes nodes through `parse`, nodes are checked by `check`, and only checked
nodes are turned into SQL syntax trees by `to_sql`.
"""
