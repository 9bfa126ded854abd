"""eepay's extensions of the Rasa server, by the Rasa extension point each one fills.

* ``addons.nlu`` — NLU components named in ``config.yml`` (tokenizer, featurizers, language
  and sensitive-data detectors, intent classifier, entity extractors).
* ``addons.stores`` — the tracker store (with its cache of recent trackers), the event broker
  and the lock store named in ``endpoints.yml``.
* ``addons.nlg`` — the response generator named in ``endpoints.yml``.
* ``addons.serving`` — changes to Rasa's own internals, one module per patch, installed
  explicitly by ``addons.rasa_launcher`` before the server builds its agent
  (``addons.serving.install_all``); ``RASA_PATCHES=off`` runs Rasa unpatched.

Plain helpers that other services use too (amounts, dates, redaction, language, customer
tokens) live in ``service_kit``, so the channels and the action server never import this
package's Rasa-server code.
"""
