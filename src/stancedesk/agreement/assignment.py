"""SciPy's ``linear_sum_assignment`` without importing ``scipy.optimize`` as a whole.

Span matching needs only the assignment solver, but ``from scipy.optimize import ...`` imports
the whole subpackage (linalg, fft, special, the linprog machinery): about half a second of CPU
at every ``stancedesk agreement`` start, more than reading a thousand documents' spans. The
solver is one compiled extension (``scipy/optimize/_lsap``) that needs only numpy, so it is
loaded from its file directly. It is the very same function SciPy exports, so results are
identical. If that file is not where this SciPy version keeps it, or loading it fails for any
reason, the public import is used instead.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

_EXTENSION = "scipy.optimize._lsap"


def _load_extension() -> Callable[..., Any] | None:
    """The solver from its extension file, or None. The module is not left in sys.modules, so
    a later ``import scipy.optimize`` (γ) builds its package as usual."""
    import scipy

    folder = Path(scipy.__file__).parent / "optimize"
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"_lsap{suffix}"
        if not path.is_file():
            continue
        spec = importlib.util.spec_from_file_location(_EXTENSION, path)
        if spec is None or spec.loader is None:
            return None
        already = sys.modules.get(_EXTENSION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if already is None:
            sys.modules.pop(_EXTENSION, None)
        solver = getattr(module, "linear_sum_assignment", None)
        return solver if callable(solver) else None
    return None


@cache
def solver() -> Callable[..., Any]:
    """``scipy.optimize.linear_sum_assignment``, loaded on first use and the cheap way when
    possible (see the module docstring)."""
    if "scipy.optimize" not in sys.modules:
        try:
            found = _load_extension()
        except Exception:  # any failure falls back to the public import
            found = None
        if found is not None:
            return found
    from scipy.optimize import linear_sum_assignment

    return linear_sum_assignment


def linear_sum_assignment(cost: np.ndarray, maximize: bool = False
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the optimal assignment, as SciPy's function of that name."""
    rows, cols = solver()(cost, maximize=maximize)
    return rows, cols
