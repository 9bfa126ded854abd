"""Clients of what the desk talks to: Rasa's HTTP API, the payment backend, Rasa's events."""
