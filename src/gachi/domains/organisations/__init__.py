"""Organisations (tenants), memberships and roles."""
