"""Platform-wide pages: home, legal pages, language switch, health check."""
