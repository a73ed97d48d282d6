"""Vectorised helpers: hashing, identifier and address formatting (numpy → Arrow)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix(x: npt.ArrayLike, salt: int = 0) -> U64:
    """splitmix64 finaliser: a fast, well-spread deterministic hash of integers."""
    offset = np.uint64((salt * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15) % (1 << 64))
    with np.errstate(over="ignore"):
        z = np.asarray(x).astype(np.uint64) + offset
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def unit(x: npt.ArrayLike, salt: int = 0) -> npt.NDArray[np.float64]:
    """Deterministic uniform [0, 1) from integers."""
    return (mix(x, salt) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _fixed_width(chars: npt.NDArray[np.uint8]) -> pa.Array:
    """A string array from an (n, width) block of ASCII bytes, without per-value objects."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(
            n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(np.ascontiguousarray(chars))
        )
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars))
    ).cast(pa.string())


_QUADS = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8).view("<u4")[
    :, 0
]  # "0000".."9999" as 4 ASCII bytes packed in one uint32


def prefixed(prefix: str, numbers: npt.ArrayLike, width: int) -> pa.Array:
    """``prefix`` + zero-padded decimal of each non-negative number (4 digits per lookup)."""
    v = np.asarray(numbers, dtype=np.int64)
    n_quads = (width + 3) // 4
    packed = np.empty((len(v), n_quads), dtype="<u4")
    for q in range(n_quads):
        packed[:, n_quads - 1 - q] = _QUADS[(v // 10 ** (4 * q)) % 10_000]
    digits = packed.view(np.uint8)[:, 4 * n_quads - width :]
    head = prefix.encode("ascii")
    out = np.empty((len(v), len(head) + width), dtype=np.uint8)
    out[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    out[:, len(head) :] = digits
    return _fixed_width(out)


# Bijection on [0, 10**10): spreads account ids so the id reveals nothing about roles.
_ID_SPACE = 10**10
_ID_MULT = 7_919_147_131  # coprime with 10


def account_ids_numeric(index: npt.ArrayLike) -> I64:
    """The number inside each account id: (i * m + c) mod 10^10, computed without overflow."""
    idx = np.asarray(index, dtype=np.int64)
    hi, lo = divmod(_ID_MULT, 100_000)
    v: I64 = ((idx * hi) % _ID_SPACE * 100_000 + idx * lo + 1_000_003) % _ID_SPACE
    return v


def account_ids(index: npt.ArrayLike) -> pa.Array:
    return prefixed("a", account_ids_numeric(index), 10)


def ipv4_text(addr: npt.NDArray[np.uint32] | npt.NDArray[np.int64]) -> pa.Array:
    a = np.asarray(addr, dtype=np.int64)
    parts = [pc.cast(pa.array((a >> s) & 255), pa.string()) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*parts, ".")


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_ids(values: U64, nbytes: int = 8) -> pa.Array:
    """Lower-case hex text of the low ``nbytes`` bytes of each value."""
    v = np.ascontiguousarray(np.asarray(values, dtype=np.uint64).astype(">u8"))
    b = v.view(np.uint8).reshape(-1, 8)[:, 8 - nbytes :]
    out = np.empty((len(b), 2 * nbytes), dtype=np.uint8)
    out[:, 0::2] = _HEX[b >> 4]
    out[:, 1::2] = _HEX[b & 15]
    return _fixed_width(out)


def choice_cdf(cdf: npt.NDArray[np.float64], u: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """Index drawn from a cumulative distribution for each uniform ``u``."""
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def cdf(weights: npt.ArrayLike) -> npt.NDArray[np.float64]:
    w = np.asarray(weights, dtype=np.float64)
    c: npt.NDArray[np.float64] = np.cumsum(w)
    out: npt.NDArray[np.float64] = c / c[-1]
    return out
