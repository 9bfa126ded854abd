import re

from hypothesis import given
from hypothesis import strategies as st

from addons.nlu import normalise as normalise_module
from addons.nlu.normalise import normalise


def test_traditional_becomes_simplified_with_same_length():
    for text in ["我的帳戶被凍結了", "退款進度", "密碼忘記了", "支付寶"]:
        result = normalise(text)
        assert len(result) == len(text)
    assert normalise("我的帳戶被凍結了") == "我的账户被冻结了"


def test_full_width_forms_become_half_width():
    assert normalise("ａｐｐ登不上１９９元") == "app登不上199元"


def test_mixed_text_keeps_its_latin_words():
    assert normalise("我的 app 登不上") == "我的 app 登不上"
    assert normalise("") == ""


def _project_texts() -> list[str]:
    """Every NLU example, held-out line and load-test message of the project."""
    import json
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[3]
    texts: list[str] = []
    for path in (root / "data").rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            examples = block.get("examples") or ""
            texts += [line[2:] for line in examples.splitlines() if line.startswith("- ")]
    for path in (root / "tests" / "nlu").glob("*.jsonl"):
        texts += [json.loads(line)["text"] for line in path.read_text().splitlines() if line]
    texts += re.findall(r"^\s*- (.+)$", (root / "bench/corpus/utterances.yml").read_text(), re.M)
    return texts


def test_texts_skipping_opencc_are_those_it_leaves_alone():
    """The shortcut: a text with no character of OpenCC's dictionaries comes out unchanged."""
    texts = _project_texts()
    assert len(texts) > 1000
    skipped = [t for t in texts if normalise_module._untouched_by_t2s(t)]
    assert len(skipped) > len(texts) * 0.8  # most customer text is Simplified already
    for text in skipped:
        assert normalise_module._T2S.convert(text) == text


@given(
    st.text(
        alphabet=st.sampled_from("有序沈船默一目瞭然上鍊不解帳戶凍結退款进度密码")
        | st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        max_size=12,
    )
)
def test_any_text_skipping_opencc_is_left_alone(text):
    if normalise_module._untouched_by_t2s(text):
        assert normalise_module._T2S.convert(text) == text


def test_variant_characters_are_folded():
    # 帐户 and 账户 are the same word to a customer; Traditional 帳戶 becomes 帐户 in OpenCC
    assert normalise("帐户") == normalise("账户") == normalise("帳戶") == "账户"
    assert normalise("转帐到帐") == "转账到账"
