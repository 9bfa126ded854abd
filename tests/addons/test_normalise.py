from addons.normalise import normalise


def test_traditional_becomes_simplified_with_same_length():
    for text in ["我的帳戶被凍結了", "退款進度", "密碼忘記了", "支付寶"]:
        result = normalise(text)
        assert len(result) == len(text)
    assert normalise("我的帳戶被凍結了") == "我的帐户被冻结了"


def test_full_width_forms_become_half_width():
    assert normalise("ａｐｐ登不上１９９元") == "app登不上199元"


def test_mixed_text_keeps_its_latin_words():
    assert normalise("我的 app 登不上") == "我的 app 登不上"
    assert normalise("") == ""
