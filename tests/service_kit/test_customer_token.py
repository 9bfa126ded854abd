import time

import jwt

from service_kit.customer_token import ALGORITHM, ISSUER, mint, verify

SECRET = "test-secret-0123456789abcdef-0123456789"


def test_round_trip():
    assert verify(mint("u1001", SECRET), SECRET) == "u1001"


def test_forged_signature_is_refused():
    assert verify(mint("u1001", "someone-else"), SECRET) is None


def test_expired_token_is_refused():
    old = mint("u1001", SECRET, ttl_seconds=60, now=time.time() - 3600)
    assert verify(old, SECRET) is None


def test_token_without_expiry_or_issuer_is_refused():
    no_exp = jwt.encode({"sub": "u1001", "iss": ISSUER, "iat": int(time.time())}, SECRET, ALGORITHM)
    assert verify(no_exp, SECRET) is None
    wrong_iss = jwt.encode(
        {"sub": "u1001", "iss": "x", "iat": int(time.time()), "exp": int(time.time()) + 60},
        SECRET,
        ALGORITHM,
    )
    assert verify(wrong_iss, SECRET) is None


def test_alg_none_and_garbage_are_refused():
    unsigned = jwt.encode(
        {"sub": "u1001", "iss": ISSUER, "iat": 1, "exp": 2**31}, key=None, algorithm="none"
    )
    for token in (unsigned, "", None, 42, "a.b.c", "x" * 5000):
        assert verify(token, SECRET) is None


def test_overlong_lifetime_is_refused():
    now = int(time.time())
    token = jwt.encode(
        {"sub": "u1001", "iss": ISSUER, "iat": now, "exp": now + 30 * 24 * 3600}, SECRET, ALGORITHM
    )
    assert verify(token, SECRET) is None
