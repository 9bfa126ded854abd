"""Clients of the services the action server calls: the payment backend and the agent desk.

A subpackage here must not share its name with a top-level package of the project (``backend``,
``desk``...): rasa-sdk finds the actions with ``pkgutil.walk_packages``, which imports every
subpackage by its bare name and would walk the other service's code instead.
"""
