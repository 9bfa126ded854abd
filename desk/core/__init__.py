"""Cross-cutting pieces of the desk: settings, security, errors, clock, logging, masking."""
