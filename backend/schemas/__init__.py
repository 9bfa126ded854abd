"""Pydantic (v1) request and response shapes of the API."""
