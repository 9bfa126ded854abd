"""WeChat's rules as the channel implements them: signatures, timestamps, safe XML, text
rendering (2048-byte parts, numbered buttons, agent prefix) and the settings."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wechatpy.replies import TextReply

from channels.wechat import DEV_TOKEN, WeChatSettings
from channels.wechat_messages import (
    Refused,
    agent_text,
    authenticate,
    cdata,
    numbered_options,
    read_message,
    signature_matches,
    split_message,
    xml_fields,
)
from channels.wechat_state import option_number
from tests.wechat.wechat_kit import AES_KEY, APP_ID, TOKEN, event_xml, sign, text_xml

# --- signature and timestamp ------------------------------------------------------------------


def test_signature_is_sha1_of_the_sorted_token_timestamp_and_nonce():
    # the worked example of WeChat's access guide: sort, join, SHA-1
    signature = sign("token", "1409304348", "xxxxxx")
    assert signature_matches("token", signature, "1409304348", "xxxxxx")
    assert not signature_matches("token", signature, "1409304349", "xxxxxx")
    assert not signature_matches("other", signature, "1409304348", "xxxxxx")
    assert not signature_matches("token", signature.upper(), "1409304348", "xxxxxx")
    assert not signature_matches("token", "签名" * 20, "1409304348", "xxxxxx")


def test_authenticate_refuses_missing_forged_and_stale_requests():
    now = int(time.time())
    good = {"timestamp": str(now), "nonce": "abc", "signature": sign(TOKEN, str(now), "abc")}
    authenticate(good, TOKEN, 300, now + 299)
    for query in (
        {},
        {**good, "signature": "0" * 40},
        {**good, "nonce": "ab c"},
        {**good, "timestamp": "12a"},
    ):
        with pytest.raises(Refused) as refusal:
            authenticate(query, TOKEN, 300, now)
        assert refusal.value.status == 403
    with pytest.raises(Refused, match="stale"):
        authenticate(good, TOKEN, 300, now + 301)
    with pytest.raises(Refused, match="stale"):
        authenticate(good, TOKEN, 300, now - 301)


# --- XML --------------------------------------------------------------------------------------


def test_messages_and_events_are_read_with_wechatpy():
    message = read_message(text_xml("oUser_1-x", "你好", 42))
    assert (message.type, message.source, message.target, message.id) == (
        "text",
        "oUser_1-x",
        "gh_eepay0test",
        42,
    )
    assert message.content == "你好"
    assert read_message(event_xml("oUser", "subscribe", 17)).type == "event"


@pytest.mark.parametrize(
    "xml",
    [
        '<!DOCTYPE xml [<!ENTITY a "b">]><xml><Content>&a;</Content></xml>',
        '<!DOCTYPE xml [<!ENTITY a SYSTEM "file:///etc/hostname">]><xml>&a;</xml>',
        '<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml/>',
        "<xml><a></xml>",
        "<other/>",
    ],
)
def test_dtds_entities_and_broken_xml_are_refused(xml):
    with pytest.raises(Refused) as refusal:
        xml_fields(xml)
    assert refusal.value.status == 400


def test_reply_content_cannot_break_out_of_its_cdata_section():
    reply = TextReply(source="gh_a", target="oB", content=cdata("a]]><x>b</x>")).render()
    assert xml_fields(reply)["Content"] == "a]]><x>b</x>"


# --- rendering --------------------------------------------------------------------------------


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=3000))
def test_parts_are_at_most_2048_bytes_and_lose_nothing_but_whitespace(text):
    parts = split_message(text)
    assert all(0 < len(part.encode("utf-8")) <= 2048 for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_long_text_is_cut_at_line_breaks_when_it_can():
    lines = [f"第{i}行：" + "退款进度查询" * 30 for i in range(20)]
    parts = split_message("\n".join(lines))
    assert len(parts) > 1
    assert all(part.split("\n")[0].startswith("第") for part in parts)  # no line cut in two
    emoji = "😀" * 1000  # 4 bytes each, one long line: cut between characters
    assert [len(p) for p in split_message(emoji)] == [512, 488]


def test_buttons_become_numbered_options_that_run_on_within_a_turn():
    buttons = [
        {"title": "付款失败", "payload": "/payment_failed"},
        {"title": "", "payload": "/skip"},
        {"title": "官网", "url": "https://eepay.example"},
        "odd",
    ]
    assert numbered_options(buttons, first=3) == (
        ["回复 3：付款失败", "回复 4：官网"],
        ["/payment_failed", "https://eepay.example"],
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), (" 2 ", 2), ("２", 2), ("2.", 2), ("2。", 2), ("12", 12), ("二", None),
     ("2 个", None), ("123", None), ("", None), ("-1", None)],
)  # fmt: skip
def test_only_a_bare_number_picks_an_option(text, number):
    assert option_number(text) == number


def test_agent_messages_are_marked_with_the_agents_name():
    custom = {"type": "agent_message", "agent_name": "小王", "text": "您好"}
    assert agent_text({"text": "您好", "custom": custom}) == "【人工客服 小王】您好"
    assert agent_text({"custom": {**custom, "agent_name": ""}}) == "【人工客服】您好"
    assert agent_text({"text": "bot", "custom": {"type": "rating_request"}}) is None
    assert agent_text({"text": "bot"}) is None


# --- settings ---------------------------------------------------------------------------------


def test_settings_come_from_the_environment_and_credentials_override_them(monkeypatch):
    monkeypatch.setenv("WECHAT_TOKEN", "envtoken")
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_ENCODING_AES_KEY", AES_KEY)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = WeChatSettings.from_credentials(
        {"token": "yamltoken", "app_secret": "${WECHAT_APP_SECRET}", "reply_budget_seconds": 3}
    )
    assert settings.token == "yamltoken"
    assert settings.app_id == APP_ID and settings.encoding_aes_key == AES_KEY
    assert settings.app_secret == ""  # an unexpanded ${VARIABLE} is not a secret
    assert settings.reply_budget_seconds == 3.0
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    monkeypatch.setenv("WECHAT_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert WeChatSettings().redis_url == "redis://127.0.0.1:6379/3"


def test_development_defaults_need_no_environment(monkeypatch):
    for name in ("WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY", "WECHAT_APP_ID", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = WeChatSettings.from_credentials(None)
    assert settings.token == DEV_TOKEN and settings.reply_budget_seconds == 4.0


@pytest.mark.parametrize(
    "overrides",
    [
        {"encoding_aes_key": "tooshort", "app_id": APP_ID},
        {"encoding_aes_key": "!" * 43, "app_id": APP_ID},
        {"encoding_aes_key": AES_KEY, "app_id": ""},
        {"reply_budget_seconds": 5},
        {"reply_budget_seconds": 0},
        {"token": "a b"},
        {"timestamp_tolerance_seconds": 1},
    ],
)
def test_settings_that_cannot_work_are_refused_at_start(monkeypatch, overrides):
    monkeypatch.delenv("WECHAT_APP_ID", raising=False)
    with pytest.raises(ValueError):
        WeChatSettings(**overrides)
