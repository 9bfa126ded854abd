"""Extensions of the Rasa server: NLU components, response generation and storage.

Modules without a ``rasa`` import (``amounts``, ``dates``, ``redaction``, ``money``) are
plain helpers that the action server and the other services may import too.
"""
