"""Rebuild tests/nlu/real_{zh,en}{,_final}.jsonl from the public sources they were selected from.

    .venv/bin/python tests/nlu/sources/build_real_sets.py --raw /tmp/h17raw

The raw data stays OUT of the repository. Put it under ``--raw`` like this (the commits are the
ones the committed sets were built from):

    clinc/data_full.json       github.com/clinc/oos-eval @ 828f809, data/data_full.json
                               (CC BY 3.0)
    hint3/<bot>.csv            github.com/hellohaptik/HINT3 @ 99965c8,
                               dataset/v2/test/<bot>_test.csv for curekart, powerplay11,
                               sofmattress (ODbL 1.0 + DbCL 1.0)
    crosswoz/{test,val}.json   github.com/thu-coai/CrossWOZ @ df82c9f,
                               data/crosswoz/{test,val}.json.zip unzipped (Apache-2.0)

Selection and labelling (docs/nlu-guide.md) are described in tests/nlu/README.md; the rules are
the mapping tables and screens below plus the hand labels in hint3_labels.tsv. Text is used
verbatim: only stripped and whitespace-collapsed. Lines whose label is ambiguous under the guide
are dropped, never guessed. Never put these lines, or paraphrases of them, into data/.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent
SEED = 17

# --- CLINC150 (English, crowd-written assistant queries) ------------------------------------
# CLINC intent -> contract intent, for the intents that map without ambiguity.
CLINC_IN_SCOPE = {
    "greeting": "greet",
    "goodbye": "goodbye",
    "thank_you": "thank",
    "yes": "affirm",
    "no": "deny",
    "are_you_a_bot": "bot_challenge",
    "card_declined": "payment_failed",  # a card payment that did not go through
    "account_blocked": "login_problem",  # locked / frozen account (guide rule 5)
    "pin_change": "forgot_password",  # reset or change a payment PIN / password
    "report_fraud": "transaction_dispute",  # charges the customer did not make
}
# CLINC intents never used: they are commands or questions the guide does not decide cleanly
# (transfer, pay_bill, balance, transactions, spending_history, freeze_account, report_lost_card,
# bill_balance) or meta requests that are neither answers nor requests (maybe, cancel, repeat,
# what_can_i_ask_you).
CLINC_SKIP = {
    "transfer",
    "pay_bill",
    "balance",
    "transactions",
    "spending_history",
    "freeze_account",
    "report_lost_card",
    "bill_balance",
    "maybe",
    "cancel",
    "repeat",
    "what_can_i_ask_you",
}
# Near-miss out_of_scope: banking and credit-card products' own terms, loans, taxes, exchange
# rates, insurance (guide rules 6 and 7).
CLINC_NEAR_MISS = {
    "interest_rate",
    "apr",
    "credit_limit",
    "credit_limit_change",
    "credit_score",
    "improve_credit_score",
    "rewards_balance",
    "redeem_rewards",
    "min_payment",
    "bill_due",
    "exchange_rate",
    "international_visa",
    "international_fees",
    "taxes",
    "income",
    "w2",
    "rollover_401k",
    "insurance",
    "insurance_change",
    "routing",
    "order_checks",
    "application_status",
    "new_card",
    "expiration_date",
    "replacement_card_duration",
    "damaged_card",
    "direct_deposit",
    "payday",
    "pto_balance",
    "mpg",
}
# Words that could make an "oos" / off-domain line in scope for eepay: such lines are dropped.
IN_SCOPE_WORDS = re.compile(
    r"\b(refund\w*|password|passcode|pin|log ?in|login|sign ?in|locked|account|pay\w*|charg\w*|"
    r"transfer\w*|money|bank\w*|card|human|person|agent|representative|customer service|"
    r"support|contact|phone number|call you|complain\w*|bot|robot|machine|hello|hi|hey|thank\w*|"
    r"bye|goodbye|yes|no|nope|yeah|sure|fraud|dispute|declin\w*|wallet|balance)\b",
    re.IGNORECASE,
)
# Per-intent screens for the mapped in-scope CLINC lines: a line must match (keep) and must not
# match (drop) to be kept.
CLINC_SCREENS = {
    "account_blocked": (
        r"block|lock|frozen|freez|log|access|get into",
        r"card|transaction|transfer|hold|talk to|order",
    ),
    "card_declined": (
        r"declin|reject|denied|refus|didn'?t go through|not go through|won'?t|wouldn'?t"
        r"|not work|did not work|turned down|fail",
        r"lost|stolen",
    ),
    "pin_change": (
        r"chang|reset|forgot|forgotten|remember|recall|remind|new pin|update|replace|lost the pin",
        r"",
    ),
    "report_fraud": (
        r"fraud|didn'?t make|not mine|aren'?t mine|don'?t recogni|unauthori|charge|stole"
        r"|someone|compromised",
        r"lost|i made a|talk to",
    ),
    "greeting": (
        r"\b(hi|hello|hey|howdy|good morning|good day|salutations|aloha|yo|heyo|ahoy|greetings"
        r"|why hello|well hello)\b",
        r"",
    ),
    "goodbye": (r"", r"thank|nice to see|regards"),
    "thank_you": (r"thank|grateful|gratitude|appreciat|merci|owe you", r"bye"),
}

# --- HINT3 (English, real users of three production bots) ------------------------------------
# HINT3 labels whose lines are all shopping / delivery / product / fantasy-game questions:
# out_of_scope near misses for a payment-support bot (guide rule 7).
HINT3_NEAR_MISS = {
    "RECOMMEND_PRODUCT",
    "ORIGINAL_PRODUCT",
    "CHECK_PINCODE",
    "ORDER_STATUS",
    "DELAY_IN_PARCEL",
    "EXPIRY_DATE",
    "FRANCHISE",
    "STORE_INFORMATION",
    "SIDE_EFFECT",
    "CONSULT_START",
    "MODIFY_ADDRESS",
    "RESUME_DELIVERY",
    "MATTRESS_COST",
    "WHAT_SIZE_TO_ORDER",
    "COMPARISON",
    "SIZE_CUSTOMIZATION",
    "DELAY_IN_DELIVERY",
    "PILLOWS",
    "EMI",
    "DISTRIBUTORS",
    "ORTHO_FEATURES",
    "OFFERS",
    "PRODUCT_VARIANTS",
    "COD",
    "100_NIGHT_TRIAL_OFFER",
    "ERGO_FEATURES",
    "ABOUT_SOF_MATTRESS",
    "WINNINGS",
    "POINTS_NOT_UPDATED",
    "WRONG_SCORES",
    "FAKE_TEAMS",
    "MATCH_ABANDONED",
    "TYPES_CONTESTS",
    "TEAM_DEADLINE",
    "HOW_POINTS_CALCULATED",
    "WHAT_IF_THERES_A_TIE",
    "TYPES_BONUS",
    "CASH_BONUS",
    "OFFERS_AND_REFERRALS",
    "LEAD_GEN",
}
HINT3_BOTS = ("curekart", "powerplay11", "sofmattress")

# --- CrossWOZ (Chinese, crowd-written travel dialogues) -----------------------------------------
# 88 / 886 are written Chinese for "bye-bye" (docs/nlu-guide.md, rule 12: thanks + bye is goodbye)
ZH_BYE = re.compile(r"再见|拜拜|拜。|拜！|886|(?<!\d)88(?!\d)")
ZH_THANK = re.compile(r"谢|感激|辛苦")
ZH_OOS_DROP = re.compile(r"谢|再见|拜|你好|您好|在吗|人工|客服|投诉|退|付|钱包|密码|登录|账|卡")


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def clinc_lines(
    raw: Path, per_intent: int, per_near_miss: int, oos: int, per_other: int, rng: random.Random
):
    data = json.loads((raw / "clinc" / "data_full.json").read_text(encoding="utf-8"))
    by_intent: dict[str, list[str]] = defaultdict(list)
    for split in ("train", "val", "test", "oos_train", "oos_val", "oos_test"):
        for text, intent in data[split]:
            by_intent[intent].append(clean(text))
    rows = []
    for intent, texts in sorted(by_intent.items()):
        texts = sorted(set(texts))
        rng.shuffle(texts)
        if intent in CLINC_IN_SCOPE:
            keep, drop = CLINC_SCREENS.get(intent, (r"", r""))
            texts = [
                t
                for t in texts
                if re.search(keep, t, re.I) and not (drop and re.search(drop, t, re.I))
            ]
            rows += [(t, CLINC_IN_SCOPE[intent], "clinc150") for t in texts[:per_intent]]
        elif intent in CLINC_SKIP:
            continue
        else:
            texts = [t for t in texts if not IN_SCOPE_WORDS.search(t)]
            n = (
                oos
                if intent == "oos"
                else per_near_miss
                if intent in CLINC_NEAR_MISS
                else per_other
            )
            rows += [(t, "out_of_scope", "clinc150") for t in texts[:n]]
    return rows


def hint3_lines(raw: Path, per_label: int, rng: random.Random):
    labels = {}
    for line in (HERE / "hint3_labels.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            bot, row, intent = line.split("\t")
            labels[(bot, int(row))] = intent
    rows = []
    for bot in HINT3_BOTS:
        with (raw / "hint3" / f"{bot}.csv").open(encoding="utf-8", newline="") as f:
            table = list(csv.reader(f))[1:]
        near: dict[str, list[str]] = defaultdict(list)
        for number, record in enumerate(table, 1):
            text, label = clean(record[0]), record[1].strip()
            if (bot, number) in labels:
                rows.append((text, labels[(bot, number)], "hint3"))
            elif (
                label in HINT3_NEAR_MISS
                and 3 <= len(text) <= 160
                and not IN_SCOPE_WORDS.search(text)
            ):
                near[label].append(text)
        for _label, texts in sorted(near.items()):
            texts = sorted(set(texts))
            rng.shuffle(texts)
            rows += [(t, "out_of_scope", "hint3") for t in texts[:per_label]]
    return rows


def crosswoz_lines(raw: Path, oos: int, rng: random.Random):
    dialogues = {}
    for name in ("test.json", "val.json"):
        dialogues |= json.loads((raw / "crosswoz" / name).read_text(encoding="utf-8"))
    closing, requests = set(), set()
    for key in sorted(dialogues):
        for message in dialogues[key]["messages"]:
            if message["role"] != "usr":
                continue
            text = clean(message["content"])
            acts = {act[0] for act in message["dialog_act"]}
            if acts == {"General"}:
                closing.add(text)
            elif (
                acts and "General" not in acts and not ZH_OOS_DROP.search(text) and len(text) <= 60
            ):
                requests.add(text)
    rows = []
    for text in sorted(closing):
        bye, thank = bool(ZH_BYE.search(text)), bool(ZH_THANK.search(text))
        if thank and not bye and not re.search(r"[？?]", text):
            rows.append((text, "thank", "crosswoz"))
        elif bye and not thank:
            rows.append((text, "goodbye", "crosswoz"))
    requests = sorted(requests)
    rng.shuffle(requests)
    rows += [(t, "out_of_scope", "crosswoz") for t in requests[:oos]]
    return rows


def split(rows, rng: random.Random):
    """Half of each (intent, source) group to development (plus the odd one), the rest final."""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    seen = set()
    for text, intent, source in rows:
        if text.lower() in seen or not text:
            continue
        seen.add(text.lower())
        groups[(intent, source)].append({"text": text, "intent": intent, "source": source})
    dev, final = [], []
    for key in sorted(groups):
        items = groups[key]
        rng.shuffle(items)
        half = (len(items) + 1) // 2
        dev += items[:half]
        final += items[half:]
    rng.shuffle(dev)
    rng.shuffle(final)
    return dev, final


def write(path: Path, items: list[dict]) -> None:
    path.write_text(
        "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=Path("/tmp/h17raw"))
    args = parser.parse_args()
    rng = random.Random(SEED)
    en = clinc_lines(args.raw, per_intent=70, per_near_miss=5, oos=100, per_other=1, rng=rng)
    en += hint3_lines(args.raw, per_label=4, rng=rng)
    zh = crosswoz_lines(args.raw, oos=830, rng=rng)
    for lang, rows in (("en", en), ("zh", zh)):
        dev, final = split(rows, random.Random(SEED))
        write(OUT / f"real_{lang}.jsonl", dev)
        write(OUT / f"real_{lang}_final.jsonl", final)
        print(lang, "dev", len(dev), "final", len(final))


if __name__ == "__main__":
    main()
