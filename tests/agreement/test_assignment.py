"""The assignment solver loaded from SciPy's extension file is SciPy's own function, and span
matching no longer imports ``scipy.optimize`` (half a second of every agreement start)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment as scipy_lsap

from stancedesk.agreement import assignment


def test_loaded_extension_gives_scipys_assignments() -> None:
    solver = assignment._load_extension()
    assert solver is not None
    rng = np.random.default_rng(7)
    for _ in range(50):
        score = rng.integers(0, 4, size=(rng.integers(1, 8), rng.integers(1, 8)))
        for maximize in (False, True):
            got = solver(score, maximize=maximize)
            want = scipy_lsap(score, maximize=maximize)
            assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_matching_solves_conflicts_without_importing_scipy_optimize() -> None:
    code = (
        "import sys, numpy as np\n"
        "from stancedesk.agreement.matching import max_overlap_assignment\n"
        "rows, cols = max_overlap_assignment(np.array([[3, 2], [2, 0]]))\n"
        "assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0], (rows, cols)\n"
        "assert 'scipy.optimize' not in sys.modules\n"
        "assert 'scipy.optimize._lsap' not in sys.modules\n"
        "import scipy.optimize\n"
        "assert scipy.optimize.linear_sum_assignment(np.eye(2))[1].tolist() == [1, 0]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
