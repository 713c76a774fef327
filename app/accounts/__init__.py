"""Accounts: registration, login, verification, password reset, profile and privacy."""
