"""Shamir secret sharing over GF(2^8), byte by byte (as in `ssss`, SLIP-39's inner layer,
HashiCorp Vault's unseal keys).

The opening key of a procedure is split k-of-n among custodians of different roles; any
k shares give the key back, any k-1 shares say nothing about it (each byte of the secret
is the constant term of a random polynomial of degree k-1; k-1 points of it leave every
value of the constant equally likely). Pure Python, no Django.
"""

import secrets

# GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1, via log/antilog tables on 3.
_EXP = [0] * 510
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x ^= (_x << 1) ^ (0x11B if _x & 0x80 else 0)  # multiply by 3 = x + 1
    _x &= 0xFF
for _i in range(255, 510):
    _EXP[_i] = _EXP[_i - 255]


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(256)")
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


class ShareError(ValueError):
    pass


def split(secret: bytes, k: int, n: int) -> list[tuple[int, bytes]]:
    """n shares (x, bytes) with x = 1..n; any k of them give `secret` back."""
    if not 2 <= k <= n <= 255:
        raise ShareError("need 2 <= k <= n <= 255")
    if not secret:
        raise ShareError("nothing to split")
    shares = [bytearray() for _ in range(n)]
    for byte in secret:
        coefficients = [byte] + [secrets.randbelow(256) for _ in range(k - 1)]
        for index in range(n):
            x, y = index + 1, 0
            for coefficient in reversed(coefficients):  # Horner
                y = _mul(y, x) ^ coefficient
            shares[index].append(y)
    return [(index + 1, bytes(share)) for index, share in enumerate(shares)]


def combine(shares: list[tuple[int, bytes]]) -> bytes:
    """The secret from k shares (Lagrange interpolation at x = 0). With fewer than k
    shares the result is a wrong secret, not an error: check it (the opening key's
    public half) before use."""
    return interpolate(shares, 0)


def interpolate(shares: list[tuple[int, bytes]], x: int) -> bytes:
    """The value at `x` of the polynomials through `shares` (byte by byte); at x = 0, the
    secret. Any point other than a share's own x is a new share of the same polynomials."""
    if len(shares) < 2:
        raise ShareError("need at least two shares")
    xs = [xi for xi, _ in shares]
    if not all(isinstance(xi, int) and 1 <= xi <= 255 for xi in xs) or len(set(xs)) != len(xs):
        raise ShareError("shares must have distinct x between 1 and 255")
    if not 0 <= x <= 255:
        raise ShareError("x is between 0 and 255")
    lengths = {len(y) for _, y in shares}
    if len(lengths) != 1 or 0 in lengths:
        raise ShareError("shares must have the same, non-zero length")
    # Lagrange basis at x: prod over j != i of (x - xj) / (xi - xj); minus is XOR in GF(2^8).
    bases = []
    for i, xi in enumerate(xs):
        basis = 1
        for j, xj in enumerate(xs):
            if i != j:
                basis = _mul(basis, _div(x ^ xj, xi ^ xj))
        bases.append(basis)
    value = bytearray(lengths.pop())
    for basis, (_, yi) in zip(bases, shares, strict=True):
        for position, byte in enumerate(yi):
            value[position] ^= _mul(byte, basis)
    return bytes(value)
