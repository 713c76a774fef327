"""What every domain uses: tenancy, permissions, sanitising, pagination, mail, audit log.

Nothing in here imports a domain package.
"""
