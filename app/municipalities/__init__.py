"""Municipalities (the tenants), their members and roles."""
