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


def prefixed(prefix: str, numbers: npt.ArrayLike, width: int) -> pa.Array:
    """``prefix`` + zero-padded decimal, built in Arrow's C++ kernels."""
    digits = pc.utf8_lpad(
        pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0"
    )
    return pc.binary_join_element_wise(prefix, digits, "")


# Bijection on [0, 10**10): spreads account ids so the id reveals nothing about roles.
_ID_SPACE = 10**10
_ID_MULT = 7_919_147_131  # coprime with 10


def account_ids(index: npt.ArrayLike) -> pa.Array:
    idx = np.asarray(index, dtype=np.int64)
    # (i * m + c) mod 10^10 without overflow: split m into high/low halves.
    hi, lo = divmod(_ID_MULT, 100_000)
    v = ((idx * hi) % _ID_SPACE * 100_000 + idx * lo + 1_000_003) % _ID_SPACE
    return prefixed("a", v, 10)


def ipv4_text(addr: npt.NDArray[np.uint32] | npt.NDArray[np.int64]) -> pa.Array:
    a = np.asarray(addr, dtype=np.int64)
    parts = [pc.cast(pa.array((a >> s) & 255), pa.string()) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*parts, ".")


_HEX = np.array([f"{i:02x}" for i in range(256)], dtype="<U2")


def hex_ids(values: U64, nbytes: int = 8) -> pa.Array:
    """Lower-case hex text of the low ``nbytes`` bytes of each value."""
    v = np.ascontiguousarray(np.asarray(values, dtype=np.uint64).astype(">u8"))
    b = v.view(np.uint8).reshape(-1, 8)[:, 8 - nbytes :]
    chars = np.ascontiguousarray(_HEX[b])
    return pa.array(chars.view(f"<U{2 * nbytes}").ravel())


def choice_cdf(cdf: npt.NDArray[np.float64], u: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """Index drawn from a cumulative distribution for each uniform ``u``."""
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def cdf(weights: npt.ArrayLike) -> npt.NDArray[np.float64]:
    w = np.asarray(weights, dtype=np.float64)
    c: npt.NDArray[np.float64] = np.cumsum(w)
    out: npt.NDArray[np.float64] = c / c[-1]
    return out
