"""The desk's HTML pages, one module per page with the form posts it sends.

Pages: :mod:`~desk.api.pages.sign_in`, :mod:`~desk.api.pages.queue` (the home page),
:mod:`~desk.api.pages.conversation`, :mod:`~desk.api.pages.search` and, for supervisors,
:mod:`~desk.api.pages.analytics`. What they share: :mod:`~desk.api.pages.rendering` (Jinja and
its filters), :mod:`~desk.api.pages.labels` (the Chinese words for codes) and
:mod:`~desk.api.pages.browser_session` (cookies, sign-in, CSRF).
"""

from fastapi import APIRouter

from desk.api.pages import analytics, conversation, queue, search, sign_in

router = APIRouter(include_in_schema=False)
for page in (sign_in, queue, conversation, search, analytics):
    router.include_router(page.router)
