"""eepay agent desk: the handoff queue, transcripts, agent replies through Rasa, return to bot."""

__version__ = "0.1.0"
