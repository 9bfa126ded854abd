"""The website chat widget (``web/static/widget``) and the demo page that serves it (port 8300).

``python -m web`` starts the demo server: a page that plays eepay's website, lets you pick a
demo customer, mints that customer's token server-side and embeds the widget with one script
tag. The widget talks to Rasa's socket.io channel directly; this server only serves pages and
static assets. With ``EEPAY_ENV=production`` it serves the widget alone: no demo page, no
tokens.
"""
