import time

import pytest

from service_kit.language import (
    ENGLISH,
    HONG_KONG,
    SIMPLIFIED,
    TAIWAN,
    TRADITIONAL,
    conversation_region,
    detect_language,
    language_request,
    localise,
    to_traditional,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我付款失败了", SIMPLIFIED),
        ("我的帳戶被凍結了", TRADITIONAL),
        ("退款進度怎麼查", TRADITIONAL),
        ("my payment failed", ENGLISH),
        ("refund status pls", ENGLISH),
        ("my 余额 is wrong", ENGLISH),  # an English sentence with a Chinese word
        # mixed input keeps Chinese: English words, ids, amounts inside Chinese
        ("我的 app 登不上", SIMPLIFIED),
        ("pls help 付款失败", SIMPLIFIED),
        ("T202611200001 退了没", SIMPLIFIED),
        ("付了 $20 到 amazon 没成功", SIMPLIFIED),
        # too little to tell: the conversation keeps its language
        ("ok", None),
        ("hi", None),
        ("👍", None),
        ("T202611200001", None),
        ("199元", None),
        ("", None),
    ],
)
def test_detection(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请用英文", ENGLISH),
        ("可以说英语吗", ENGLISH),
        ("can you reply in English", ENGLISH),
        ("english pls", ENGLISH),
        ("speak chinese please", SIMPLIFIED),
        ("说中文吧", SIMPLIFIED),
        ("用繁體", TRADITIONAL),
        ("我付款失败了", None),
        ("my english is bad sorry", None),
    ],
)
def test_explicit_requests(text, expected):
    assert language_request(text) == expected


def test_localise():
    assert to_traditional("退款进度") == "退款進度"
    assert localise("退款进度", TRADITIONAL) == "退款進度"
    assert localise("退款进度", SIMPLIFIED) == "退款进度"
    assert localise("refund", ENGLISH) == "refund"


@pytest.mark.parametrize(
    ("simplified", "taiwan", "hong_kong"),
    [
        # each region's own words, not a character-by-character conversion (登錄, 短信, 賬戶)
        ("请登录您的账户", "請登入您的帳戶", "請登入您的賬戶"),
        ("短信验证码", "簡訊驗證碼", "短訊驗證碼"),
        ("转账到账", "轉帳入帳", "轉賬到賬"),
        ("扫二维码付款", "掃描QR Code付款", "掃二維碼付款"),
        ("手机号", "手機號碼", "手機號碼"),
        ("手机号码", "手機號碼", "手機號碼"),
        ("软件", "軟體", "軟件"),
    ],
)
def test_traditional_chinese_by_region(simplified, taiwan, hong_kong):
    assert localise(simplified, TRADITIONAL, TAIWAN) == taiwan
    assert localise(simplified, TRADITIONAL, HONG_KONG) == hong_kong
    assert localise(simplified, TRADITIONAL) == taiwan  # Taiwan's usage by default


def test_region_from_the_front_end_locale_or_cantonese():
    def said(text, locale=None):
        return {"text": text}, ({"language": locale} if locale else {})

    assert conversation_region([said("我的帳戶登不進去")]) == TAIWAN
    assert conversation_region([said("我嘅帳戶登唔到")]) == HONG_KONG
    assert conversation_region([said("我的帳戶", "zh-HK"), said("好")]) == HONG_KONG
    assert conversation_region([said("我嘅帳戶", "zh-TW")]) == TAIWAN  # the locale decides
    assert conversation_region([said("hello"), said("點解我付唔到錢")]) == HONG_KONG


def message(language=None, request=None, configured=None):
    parse_data = {"language": language, "language_request": request}
    return parse_data, ({"language": configured} if configured else {})


def test_conversation_language_follows_writing_and_holds_explicit_choices():
    from service_kit.language import conversation_language

    assert conversation_language([]) == SIMPLIFIED
    assert conversation_language([message(ENGLISH)]) == ENGLISH
    assert conversation_language([message(ENGLISH), message(None)]) == ENGLISH  # "ok" keeps it
    assert conversation_language([message(ENGLISH), message(SIMPLIFIED)]) == SIMPLIFIED
    # an explicit request holds while the customer keeps typing the other language
    chosen = [message(SIMPLIFIED, request=ENGLISH), message(SIMPLIFIED)]
    assert conversation_language(chosen) == ENGLISH
    assert conversation_language([*chosen, message(ENGLISH, request=SIMPLIFIED)]) == SIMPLIFIED
    # the front end's configured language decides a first message that cannot tell
    assert conversation_language([message(None, configured="en")]) == ENGLISH
    assert conversation_language([message(SIMPLIFIED, configured="en")]) == SIMPLIFIED
    assert (
        conversation_language([message(SIMPLIFIED), message(None, configured="en")]) == SIMPLIFIED
    )


def test_chinese_both_scripts_share_keeps_a_traditional_conversation():
    from service_kit.language import conversation_language, script_neutral

    def said(text, configured=None):
        return {"language": detect_language(text), "text": text}, (
            {"language": configured} if configured else {}
        )

    assert script_neutral("好的 提交吧") and script_neutral("我要退款")
    assert not script_neutral("退款進度") and not script_neutral("退款进度")
    traditional = [said("我的帳戶被凍結了")]
    assert conversation_language([*traditional, said("好的 提交吧")]) == TRADITIONAL
    assert conversation_language([*traditional, said("算了 不退了")]) == TRADITIONAL
    # a script-specific message still switches, and neutral Chinese ends an English conversation
    assert conversation_language([*traditional, said("退款进度")]) == SIMPLIFIED
    assert conversation_language([said("my payment failed"), said("我要退款")]) == SIMPLIFIED
    # a first message that cannot tell the script follows a Traditional front end
    assert conversation_language([said("我要退款", "zh-TW")]) == TRADITIONAL
    assert conversation_language([said("我要退款")]) == SIMPLIFIED


def test_a_long_word_without_an_address_is_scanned_once():
    # the e-mail pattern used to retry a long run of letters from each of its letters
    started = time.process_time()
    detect_language("a" * 200_000)
    detect_language("a." * 100_000)
    assert time.process_time() - started < 0.5
