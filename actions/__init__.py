"""eepay action server: one module per support flow, shared helpers in one place."""
