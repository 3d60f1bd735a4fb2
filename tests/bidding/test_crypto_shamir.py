"""Shamir secret sharing over GF(2^8) (bidding/shamir.py): any k of n shares give the
secret back, any k-1 are consistent with every possible secret. Pure: no Django."""

import itertools
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidding import shamir


def slow_mul(a: int, b: int) -> int:
    """Carry-less multiplication reduced by the AES polynomial x^8 + x^4 + x^3 + x + 1."""
    product = 0
    for bit in range(8):
        if b >> bit & 1:
            product ^= a << bit
    for bit in range(14, 7, -1):
        if product >> bit & 1:
            product ^= 0x11B << (bit - 8)
    return product


def test_the_field_multiplication_tables_are_right_for_every_pair():
    assert all(shamir._mul(a, b) == slow_mul(a, b) for a in range(256) for b in range(256))


def test_division_undoes_multiplication():
    assert all(shamir._div(shamir._mul(a, b), b) == a for a in range(256) for b in range(1, 256))
    with pytest.raises(ZeroDivisionError):
        shamir._div(1, 0)


def test_the_aes_field_known_answer():
    # FIPS-197 section 4.2: {57} x {83} = {c1}.
    assert shamir._mul(0x57, 0x83) == 0xC1


@pytest.mark.parametrize("k, n", [(2, 2), (2, 3), (3, 3), (3, 5), (4, 7)])
def test_every_choice_of_k_shares_gives_the_secret_back(k, n):
    secret = os.urandom(32)
    shares = shamir.split(secret, k, n)
    assert [x for x, _ in shares] == list(range(1, n + 1))
    for chosen in itertools.permutations(shares, k):
        assert shamir.combine(list(chosen)) == secret
    assert shamir.combine(shares) == secret  # more than k as well


@pytest.mark.parametrize("k, n", [(3, 5), (4, 6)])
def test_k_minus_one_shares_combine_to_a_wrong_secret(k, n):
    secret = os.urandom(32)
    shares = shamir.split(secret, k, n)
    wrong = [shamir.combine(list(chosen)) for chosen in itertools.combinations(shares, k - 1)]
    assert wrong and secret not in wrong


@pytest.mark.parametrize("k", [2, 3, 4])
def test_k_minus_one_shares_are_consistent_with_every_possible_secret(k):
    """Information-theoretic hiding: for each candidate value t of a secret byte there is
    a polynomial through the k-1 known shares with constant t (so they say nothing)."""
    secret = os.urandom(4)
    known = shamir.split(secret, k, k + 2)[: k - 1]
    for t in range(256):
        candidate = bytes([t]) * 4
        # The polynomial through (0, candidate) and the known shares, evaluated at another
        # x, is a k-th share that, with the known ones, gives the candidate back.
        fake_x = 250
        fake = (fake_x, _eval_through([(0, candidate), *known], fake_x))
        assert shamir.combine([*known, fake]) == candidate


def _eval_through(points, x):
    """Lagrange evaluation at x through points that may include x = 0 (test helper)."""
    result = bytearray(len(points[0][1]))
    for i, (xi, yi) in enumerate(points):
        basis = 1
        for j, (xj, _) in enumerate(points):
            if i != j:
                basis = shamir._mul(basis, shamir._div(x ^ xj, xi ^ xj))
        for p, byte in enumerate(yi):
            result[p] ^= shamir._mul(byte, basis)
    return bytes(result)


def test_interpolating_at_a_share_x_gives_that_share():
    shares = shamir.split(os.urandom(16), 3, 6)
    for x, y in shares[3:]:
        assert shamir.interpolate(shares[:3], x) == y


@settings(max_examples=50, deadline=None)
@given(secret=st.binary(min_size=1, max_size=64), data=st.data())
def test_split_and_combine_round_trip(secret, data):
    n = data.draw(st.integers(min_value=2, max_value=8))
    k = data.draw(st.integers(min_value=2, max_value=n))
    shares = shamir.split(secret, k, n)
    chosen = data.draw(st.permutations(shares))[:k]
    assert shamir.combine(chosen) == secret


@pytest.mark.parametrize("k, n", [(1, 3), (4, 3), (2, 256), (0, 0)])
def test_split_refuses_impossible_thresholds(k, n):
    with pytest.raises(shamir.ShareError):
        shamir.split(b"secret", k, n)


def test_split_refuses_an_empty_secret():
    with pytest.raises(shamir.ShareError):
        shamir.split(b"", 2, 3)


@pytest.mark.parametrize("shares", [
    [(1, b"ab")],
    [(1, b"ab"), (1, b"cd")],
    [(0, b"ab"), (1, b"cd")],
    [(256, b"ab"), (1, b"cd")],
    [(1, b"ab"), (2, b"c")],
    [(1, b""), (2, b"")],
])
def test_combine_refuses_malformed_shares(shares):
    with pytest.raises(shamir.ShareError):
        shamir.combine(shares)
