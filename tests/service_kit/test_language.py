import time

import pytest

from service_kit.language import (
    ENGLISH,
    SIMPLIFIED,
    TRADITIONAL,
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


def test_a_long_word_without_an_address_is_scanned_once():
    # the e-mail pattern used to retry a long run of letters from each of its letters
    started = time.process_time()
    detect_language("a" * 200_000)
    detect_language("a." * 100_000)
    assert time.process_time() - started < 0.5
