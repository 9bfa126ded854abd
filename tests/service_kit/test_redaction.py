import pytest

from service_kit.redaction import (
    CARD_NUMBER,
    ID_NUMBER,
    PASSWORD,
    SECURITY_CODE,
    VERIFICATION_CODE,
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
