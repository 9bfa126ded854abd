"""HTTP routes of the backend (versioned under /v1) and the customer-facing reset page."""
