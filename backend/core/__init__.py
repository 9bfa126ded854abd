"""Cross-cutting pieces of the backend: settings, security helpers, errors, clock, logging."""
