"""Jieba tokenizer for eepay's customer text.

Two fixes on top of Rasa's ``JiebaTokenizer``:

* jieba emits whitespace as tokens on mixed text (``我的 app 登不上`` -> 我/的/" "/app/" "/登不上,
  Rasa issue 7910). Whitespace tokens carry no meaning and break the lexical features, so they
  are dropped.
* Traditional characters and full-width forms are normalised (``addons.nlu.normalise``) before
  segmentation, so 帳戶 and 帐户 are the same token and need no duplicate training data. Token
  offsets still point into the original text.
* Only the first ``MAX_TOKENS`` tokens are kept: a support request says what it is about at
  the start, and featurising a 100,000-character paste would stall the server.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from addons.nlu.normalise import normalise

MAX_TOKENS = 256


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class EepayTokenizer(JiebaTokenizer):
    """Jieba with the payment-domain dictionary, text normalisation and no whitespace tokens."""

    @staticmethod
    def supported_languages() -> Optional[list[str]]:
        """Any language: English words inside Chinese messages are segmented too."""
        return None

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Same options as Rasa's JiebaTokenizer."""
        return JiebaTokenizer.get_default_config()

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokens of the normalised text at the original text's offsets."""
        import jieba

        text = message.get(attribute)
        normalised = normalise(text)
        tokens: list[Token] = []
        for word, start, _end in jieba.tokenize(normalised):
            if word.isspace():
                continue
            tokens.append(Token(word, start))
            if len(tokens) >= MAX_TOKENS:
                break
        return self._apply_token_pattern(tokens)
