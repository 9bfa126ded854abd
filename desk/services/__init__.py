"""Domain logic of the desk: agents and sessions, tickets, transcripts, search, export."""
