"""The tokenizer segments payment terms as one word and never emits whitespace tokens."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from addons.nlu.tokenizer import EepayTokenizer

ROOT = Path(__file__).resolve().parents[3]
DICTIONARY_DIR = ROOT / "data" / "jieba"


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    config = {**EepayTokenizer.get_default_config(), "dictionary_path": str(DICTIONARY_DIR)}
    return EepayTokenizer.create(
        config, storage, Resource("tokenizer"), ExecutionContext(None, None)
    )


def words(tokenizer, text):
    return [t.text for t in tokenizer.tokenize(Message({TEXT: text}), TEXT)]


def test_dictionary_dir_holds_only_dictionaries():
    # Rasa loads *every* file in dictionary_path as a jieba dictionary.
    for path in DICTIONARY_DIR.iterdir():
        assert path.suffix == ".txt", f"{path.name} would be loaded as a jieba dictionary"
        for line in path.read_text(encoding="utf-8").splitlines():
            word, freq, *_ = line.split()
            assert int(freq) > 0, line


@pytest.mark.parametrize(
    ("text", "expected_word"),
    [
        ("我付款码扫不出来", "付款码"),
        ("花呗还款失败了", "花呗"),
        ("支付密码忘了", "支付密码"),
        ("我要转人工", "转人工"),
        ("退款进度怎么查", "退款进度"),
        ("被盗刷了怎么办", "被盗刷"),
        ("招行储蓄卡限额多少", "储蓄卡"),
        ("招行储蓄卡限额多少", "招行"),
        ("钱还没到账", "没到账"),
        ("验证码收不到", "验证码"),
        ("人工客服在吗", "人工客服"),
    ],
)
def test_payment_terms_are_one_token(tokenizer, text, expected_word):
    assert expected_word in words(tokenizer, text)


@pytest.mark.parametrize(
    "text", ["我的 app 登不上", "eepay  付款 失败 ok", "  前后有空格  ", "tab\t分隔\n换行"]
)
def test_no_whitespace_tokens_on_mixed_text(tokenizer, text):
    tokens = tokenizer.tokenize(Message({TEXT: text}), TEXT)
    assert tokens, text
    for token in tokens:
        assert token.text.strip() == token.text and token.text
        assert text[token.start : token.end].lower() == token.text.lower()


def test_traditional_text_is_tokenised_as_simplified(tokenizer):
    assert words(tokenizer, "退款進度怎麼查") == words(tokenizer, "退款进度怎么查")
    tokens = tokenizer.tokenize(Message({TEXT: "帳戶被凍結"}), TEXT)
    assert [(t.start, t.end) for t in tokens] == [
        (t.start, t.end) for t in tokenizer.tokenize(Message({TEXT: "帐户被冻结"}), TEXT)
    ]


def test_emoji_and_empty_text(tokenizer):
    assert words(tokenizer, "😀") == ["😀"]
    assert words(tokenizer, "") == []


def test_huge_messages_are_cut_to_the_first_tokens(tokenizer):
    import time

    from addons.nlu.tokenizer import MAX_TOKENS

    started = time.perf_counter()
    tokens = tokenizer.tokenize(Message({TEXT: "付款失败了 " * 40000}), TEXT)
    assert len(tokens) == MAX_TOKENS
    assert time.perf_counter() - started < 2
