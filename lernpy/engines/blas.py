"""A rank-1 update ``A += alpha · x yᵀ`` in one pass, from the BLAS that numpy ships
(and ``C += alpha · Aᵀ B``, a batch's update, in one call).

Per-sample SGD updates every weight matrix with an outer product. numpy has no
in-place rank-1 update, so ``W -= rate * np.outer(s, a)`` reads and writes the
matrix three times and allocates two temporaries. BLAS's ``dger`` does it in
one pass. numpy's wheels carry OpenBLAS; this module finds its ``cblas_dger``
with ctypes, checks it against numpy on a small case, and otherwise reports
itself unavailable (``dger is None``), in which case the engine uses numpy's
own operations. ``dgemm`` likewise moves a weight matrix by a mini-batch's
``factor · Σ s vᵀ`` in one call, where numpy takes three (scale, product, add).
Set ``LERNPY_NO_BLAS=1`` to never use either.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Callable

import numpy as np

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112
_CANDIDATES = ("scipy_cblas_dger64_", "cblas_dger64_", "scipy_cblas_dger", "cblas_dger")


def _libraries() -> list[str]:
    """Shared libraries bundled with numpy (wheels keep them beside the package)."""
    base = os.path.dirname(os.path.dirname(np.__file__))
    found = []
    for folder in ("numpy.libs", os.path.join("numpy", ".dylibs")):
        found += sorted(glob.glob(os.path.join(base, folder, "*openblas*")))
    return found


def _find(names: tuple[str, ...], argtypes: Callable, works: Callable) -> tuple | None:
    """(the function with ``argtypes(integer)``, the same without them, its integer type) for
    the first of ``names`` that ``works``, or None. (Without argtypes, ctypes objects built
    once pass as they are: half the cost of converting ten arguments on every call.)"""
    if os.environ.get("LERNPY_NO_BLAS"):
        return None
    for path in _libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in names:
            fn = getattr(lib, name, None)
            if fn is None:
                continue
            integer = ctypes.c_int64 if "64" in name else ctypes.c_int
            fn.restype = None
            fn.argtypes = argtypes(integer)
            if works(fn):
                plain = lib[name]
                plain.restype = None
                return fn, plain, integer
    return None


def _dger_types(integer: type) -> list:
    return [
        ctypes.c_int, integer, integer, ctypes.c_double, ctypes.c_void_p, integer,
        ctypes.c_void_p, integer, ctypes.c_void_p, integer,
    ]  # fmt: skip


def _works(fn: Callable) -> bool:
    """Does ``fn`` compute A + alpha · x yᵀ on a small row-major case?"""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 5))
    x, y = rng.standard_normal(3), rng.standard_normal(5)
    expected = A + (-0.3 * x)[:, None] * y[None, :]
    try:
        fn(ROW_MAJOR, 3, 5, -0.3, x.ctypes.data, 1, y.ctypes.data, 1, A.ctypes.data, 5)
    except Exception:  # a library that looked right but is not: use numpy instead
        return False
    return bool(np.allclose(A, expected, rtol=1e-14, atol=1e-14))


dger, raw, integer_type = _find(_CANDIDATES, _dger_types, _works) or (None, None, None)


_GEMM = ("scipy_cblas_dgemm64_", "cblas_dgemm64_", "scipy_cblas_dgemm", "cblas_dgemm")


def _gemm_types(integer: type) -> list:
    return [
        ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer,
        ctypes.c_double, ctypes.c_void_p, integer, ctypes.c_void_p, integer,
        ctypes.c_double, ctypes.c_void_p, integer,
    ]  # fmt: skip


def _gemm_works(fn: Callable) -> bool:
    """Does ``fn`` compute C + alpha · Aᵀ B (row-major, A of 4 × 3, B of 4 × 5)?"""
    rng = np.random.default_rng(1)
    A, B, C = rng.standard_normal((4, 3)), rng.standard_normal((4, 5)), rng.standard_normal((3, 5))
    expected = C + -0.3 * (A.T @ B)
    try:
        fn(ROW_MAJOR, TRANS, NO_TRANS, 3, 5, 4, -0.3, A.ctypes.data, 3, B.ctypes.data, 5, 1.0,
           C.ctypes.data, 5)  # fmt: skip
    except Exception:
        return False
    return bool(np.allclose(C, expected, rtol=1e-14, atol=1e-14))


_found = _find(_GEMM, _gemm_types, _gemm_works)
gemm = _found[1:] if _found else None  # (the function without argtypes, its integer type)
