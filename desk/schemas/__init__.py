"""Request and response shapes of the desk API."""
