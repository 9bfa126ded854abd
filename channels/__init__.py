"""Rasa input channels of the eepay bot: REST, socket.io (website widget) and WeChat.

Every channel passes incoming messages through ``channels.guard`` first, so secrets are
masked before Rasa sees, logs or stores anything, and a failure gets a polite answer.
"""
