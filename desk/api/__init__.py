"""HTTP side of the desk: the JSON API (/api), the internal handoff endpoint and the pages."""
