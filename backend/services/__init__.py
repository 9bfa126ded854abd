"""Domain logic of the backend. Route functions only translate HTTP to calls into here."""
