"""Finding and masking secrets: what is found, and that no text makes it slow."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service_kit.redaction import (
    CARD_NUMBER,
    ID_NUMBER,
    PASSWORD,
    SECURITY_CODE,
    VERIFICATION_CODE,
    find_secrets,
    luhn_valid,
    mask_email,
    mask_phone,
    redact,
)


@pytest.mark.parametrize(
    ("text", "masked", "kind"),
    [
        ("我的密码是abc123你帮我登一下", "我的密码是******你帮我登一下", PASSWORD),
        ("密码：Zhang@2024！", "密码：******！", PASSWORD),
        ("支付密码123456", "支付密码******", PASSWORD),
        ("password is hunter22", "password is ******", PASSWORD),
        ("验证码是 482913", "验证码是 ******", VERIFICATION_CODE),
        ("验证码482913", "验证码******", VERIFICATION_CODE),
        ("4111111111111111", "************1111", CARD_NUMBER),
        ("卡号6222 0212 3456 7890 128", "卡号***************0128", CARD_NUMBER),
        ("cvv 123", "cvv ******", SECURITY_CODE),
        ("身份证110101199003074514", "身份证**************4514", ID_NUMBER),
    ],
)
def test_secrets_are_masked(text, masked, kind):
    assert redact(text) == (masked, [kind])


@pytest.mark.parametrize(
    "text",
    [
        "我忘记密码了",
        "密码错了好几次",
        "改密码要多久",
        "T202611200001",
        "13800001001",
        "订单号 20261120000112345",  # 17 digits but not Luhn-valid
        "收不到验证码",
        "",
    ],
)
def test_ordinary_text_is_untouched(text):
    assert redact(text) == (text, [])


def test_redaction_is_idempotent():
    once, _ = redact("密码是abc123 卡号4111111111111111")
    assert redact(once)[0] == once


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_display_masks():
    assert mask_phone("13800001001") == "138****1001"
    assert mask_email("chenjing@example.com") == "c***g@example.com"
    assert mask_email("ab@example.com") == "a***@example.com"


def test_a_password_needs_a_letter_or_digit_among_the_characters_taken():
    # the one intended change of the linear pattern: the letter must be inside the secret
    text = "密码 " + "-" * 40 + "a1"
    assert redact(text) == (text, [])


# --- every pattern is linear --------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
MEGABYTE = 1 << 20
PATTERN_SECONDS = 0.5  # CPU time of one pattern over a megabyte of its worst case
REDACT_SECONDS = 2.0  # CPU time of the whole redaction (five patterns, checksums, masks)
KILL_AFTER_SECONDS = 15  # a quadratic pattern takes hours here: fail instead of hanging

# (pattern, prefix, unit repeated to a megabyte): long runs of what each pattern backtracks on
WORST_CASES = {
    "password keywords": ("_PASSWORD_RE", "", "pin"),
    "password keyword, spaces": ("_PASSWORD_RE", "pin", " "),
    "password keyword, separator, spaces": ("_PASSWORD_RE", "password is", " "),
    "password keyword, punctuation": ("_PASSWORD_RE", "密码", "!"),
    "password keywords and separators": ("_PASSWORD_RE", "", "pin is "),
    "password secrets": ("_PASSWORD_RE", "", "pin abc123 "),
    "code keyword, spaces": ("_CODE_RE", "code", " "),
    "code keyword, separator, spaces": ("_CODE_RE", "验证码是", " "),
    "code keywords": ("_CODE_RE", "", "code"),
    "code keyword, digits": ("_CODE_RE", "验证码", "1"),
    "code secrets": ("_CODE_RE", "", "验证码123456 "),
    "cvv keyword, spaces": ("_SECURITY_CODE_RE", "cvv", " "),
    "cvv keywords": ("_SECURITY_CODE_RE", "", "cvv2"),
    "cvv secrets": ("_SECURITY_CODE_RE", "", "cvv 123 "),
    "digits": ("_CARD_RE", "", "1"),
    "digits and spaces": ("_CARD_RE", "", "1 "),
    "digits and dashes": ("_CARD_RE", "", "1-"),
    "card numbers": ("_CARD_RE", "", "4111111111111111 "),
    "id-like digits": ("_ID_RE", "", "11111111111111111X"),
    "id numbers": ("_ID_RE", "", "110101199003074514 "),
}

TIMER = """
import json, sys, time
from service_kit import redaction
pattern, prefix, unit = json.loads(sys.argv[1])
text = prefix + unit * ((MEGABYTE - len(prefix)) // len(unit))
started = time.process_time()
list(getattr(redaction, pattern).finditer(text))
alone = time.process_time() - started
started = time.process_time()
redaction.redact(text)
print(json.dumps({"pattern": alone, "redact": time.process_time() - started}))
""".replace("MEGABYTE", str(MEGABYTE))


@pytest.mark.parametrize("case", list(WORST_CASES))
def test_a_megabyte_of_each_patterns_worst_case_takes_linear_time(case):
    # in a child process: a regression hangs there, is killed, and fails this test
    try:
        done = subprocess.run(
            [sys.executable, "-c", TIMER, json.dumps(WORST_CASES[case])],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=KILL_AFTER_SECONDS,
            check=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case}: still running after {KILL_AFTER_SECONDS} s (quadratic?)")
    seconds = json.loads(done.stdout)
    assert seconds["pattern"] < PATTERN_SECONDS, (case, seconds)
    assert seconds["redact"] < REDACT_SECONDS, (case, seconds)


# --- the linear patterns find what the former ones found ------------------------------------

_BEFORE_SEP = r"\s*(?:是|为|:|：|=|应该是|is|was)?\s*"
BEFORE = (  # the patterns before they were made linear, in their order of precedence
    (
        VERIFICATION_CODE,
        rf"(?:验证码|驗證碼|校验码|动态码|短信码|code|otp){_BEFORE_SEP}(?P<secret>\d{{4,8}})(?!\d)",
        None,
    ),
    (
        SECURITY_CODE,
        rf"(?:cvv2?|cvc|安全码|卡背后(?:的)?(?:三位|3位)(?:数|数字)?){_BEFORE_SEP}"
        r"(?P<secret>\d{3,4})(?!\d)",
        None,
    ),
    (
        PASSWORD,
        r"(?:(?:登录|登陆|支付|交易|取款|账户|帐户|账号|帐号)?"
        rf"(?:密码|密碼|秘码|pwd|passwd|password|PIN|pin)){_BEFORE_SEP}"
        r"(?P<secret>(?=[!-~]*[0-9A-Za-z])[!-~]{4,32})",
        None,
    ),
    (
        ID_NUMBER,
        r"(?<![\dA-Za-z])(?P<secret>[1-9]\d{16}[\dXx])(?![\dA-Za-z])",
        "id",
    ),
    (
        CARD_NUMBER,
        r"(?<![\dA-Za-z])(?P<secret>\d(?:[ -]?\d){12,18})(?![\dA-Za-z])",
        "card",
    ),
)


def _id_valid(number: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def secrets_before(text: str) -> list[tuple[str, int, int]]:
    """What ``find_secrets`` found before its patterns were made linear."""
    found: list[tuple[str, int, int]] = []
    for kind, pattern, check in BEFORE:
        for match in re.finditer(pattern, text, re.IGNORECASE if check is None else 0):
            secret = match["secret"]
            if check == "id" and not _id_valid(secret):
                continue
            digits = re.sub(r"\D", "", secret)
            if check == "card" and not (13 <= len(digits) <= 19 and luhn_valid(digits)):
                continue
            start, end = match.span("secret")
            if not any(start < e and end > s for _, s, e in found):
                found.append((kind, start, end))
    return sorted(found, key=lambda secret: secret[1])


KEYWORDS = [
    "密码", "登录密码", "支付密码", "密碼", "pwd", "Password", "PIN", "pin", "验证码", "驗證碼",
    "动态码", "code", "OTP", "cvv", "CVV2", "cvc", "安全码", "卡背后的三位数字", "卡号",
]  # fmt: skip
SEPARATORS = ["是", "为", ":", "：", "=", "应该是", "is", "was", " ", "  ", "\u3000", ""]
FILLER = ["我的", "你好", "，", "。", "帮我登一下", "卡", " ", "\n", "-", "x"]
KNOWN = ["4111111111111111", "6222 0212 3456 7890 128", "110101199003074514", "482913"]
# printable ASCII words with a letter or digit: ordinary passwords, never 32 symbols in a row
WORDS = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)
PIECES = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(SEPARATORS),
    st.sampled_from(FILLER),
    st.sampled_from(KNOWN),
    WORDS.filter(lambda word: re.search(r"[0-9A-Za-z]", word) is not None),
    st.from_regex(r"\d{1,20}|\d{4}(?:[ -]\d{4}){2,4}", fullmatch=True),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=14).map("".join))
def test_the_linear_patterns_find_the_same_secrets_as_before(text):
    assert [(s.kind, s.start, s.end) for s in find_secrets(text)] == secrets_before(text)


@pytest.mark.parametrize(
    "text",
    [
        "我的密码是abc123你帮我登一下 卡号4111111111111111 验证码 482913",
        "password is is123",
        "pwd isabc",
        "密码   =   Zhang@2024",
        "cvv2 是 123，身份证110101199003074514",
        "卡号6222-0212-3456-7890-128 code:4829",
    ],
)
def test_the_linear_patterns_agree_on_mixed_messages(text):
    assert [(s.kind, s.start, s.end) for s in find_secrets(text)] == secrets_before(text)
