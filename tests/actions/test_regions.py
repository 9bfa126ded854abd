"""Traditional Chinese in the customer's regional usage in what the actions write themselves
(issue 19): button titles and plain-text messages, which the response generator does not
convert again, follow Hong Kong's usage for a zh-HK customer and Taiwan's otherwise."""

from __future__ import annotations

import json

from rasa_sdk import Tracker

from actions import handoff
from actions.clients.desk import DeskUndeliverable
from actions.handoff import ActionHandOff
from actions.i18n import language_of, region_of, text
from actions.password import ActionAskResetChannel
from service_kit.language import HONG_KONG, TAIWAN, TRADITIONAL, to_traditional

from .conftest import make_tracker, run_action


def from_locale(tracker: Tracker, locale: str) -> Tracker:
    """``tracker`` as sent by a chat front end set to ``locale`` (the widget's language)."""
    tracker.events[-1]["metadata"]["language"] = locale
    return tracker


def reset_channel_titles(dispatcher) -> list[str]:
    return [button["title"] for button in dispatcher.messages[0]["buttons"]]


def test_the_two_regions_write_the_sms_button_differently():
    # what the tests below tell apart: OpenCC's s2hk and s2twp disagree on 短信
    assert to_traditional("短信发到", HONG_KONG) == "短訊發到"
    assert to_traditional("短信发到", TAIWAN) == "簡訊發到"


async def test_a_hong_kong_customer_gets_hong_kong_button_titles():
    tracker = from_locale(make_tracker("", "forgot_password", customer="u1005"), "zh-HK")
    dispatcher, _ = await run_action(ActionAskResetChannel(), tracker)
    titles = reset_channel_titles(dispatcher)
    assert "短訊發到138****1005" in titles, titles
    assert not any("簡訊" in title for title in titles)


async def test_cantonese_makes_the_buttons_hong_kong_without_a_locale():
    tracker = make_tracker("我唔記得密碼", "forgot_password", customer="u1005")
    tracker.latest_message["language"] = TRADITIONAL  # as the NLU's LanguageDetector says
    dispatcher, _ = await run_action(ActionAskResetChannel(), tracker)
    assert "短訊發到138****1005" in reset_channel_titles(dispatcher)


async def test_a_taiwan_customer_keeps_taiwan_button_titles():
    for locale in ("zh-TW", "zh-Hant"):  # Taiwan's usage is the default for Traditional
        tracker = from_locale(make_tracker("", "forgot_password", customer="u1005"), locale)
        dispatcher, _ = await run_action(ActionAskResetChannel(), tracker)
        titles = reset_channel_titles(dispatcher)
        assert "簡訊發到138****1005" in titles, (locale, titles)


async def test_a_plain_text_message_follows_the_region(monkeypatch):
    class RefusingDesk:
        async def hand_off(self, payload: dict) -> None:
            raise DeskUndeliverable("refused")

    monkeypatch.setattr(handoff, "get_desk_client", RefusingDesk)
    said = {}
    for locale in ("zh-HK", "zh-TW"):
        tracker = from_locale(make_tracker("轉人工", "request_human"), locale)
        dispatcher, _ = await run_action(ActionHandOff(), tracker)
        said[locale] = dispatcher.messages[0]["text"]
    assert "通過" in said["zh-HK"] and "聯繫" in said["zh-HK"], said
    assert "透過" in said["zh-TW"] and "聯絡" in said["zh-TW"], said


def test_the_language_carries_the_region_and_stays_the_contract_code():
    hong_kong = language_of(from_locale(make_tracker("", "greet"), "zh-HK"))
    taiwan = language_of(from_locale(make_tracker("", "greet"), "zh-TW"))
    assert hong_kong == taiwan == TRADITIONAL
    assert (hong_kong.region, taiwan.region) == (HONG_KONG, TAIWAN)
    # the desk's payloads and the language slot know no region
    assert json.loads(json.dumps({"language": hong_kong})) == {"language": TRADITIONAL}
    assert text("button.send_sms", hong_kong, phone="1") == "短訊發到1"
    assert text("button.send_sms", TRADITIONAL, phone="1") == "簡訊發到1"  # a plain code


def test_region_of_reads_the_same_messages_as_the_response_generator():
    assert region_of(from_locale(make_tracker("", "greet"), "zh-MO")) == HONG_KONG
    assert region_of(make_tracker("我嘅帳戶登唔到", "login_problem")) == HONG_KONG
    assert region_of(make_tracker("我的帳戶登不進去", "login_problem")) == TAIWAN
    simplified = language_of(make_tracker("我付款失败了", "payment_failed"))
    assert simplified.region is None and text("button.no_thanks", simplified) == "不用了"
