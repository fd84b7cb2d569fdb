"""Inter-annotator agreement: reliability coefficients and span agreement (numpy/scipy only).

Reliability data are (coders, units) tables: floats with NaN, or labels with None, for missing
values. Coefficients return ``float('nan')`` where they are undefined; the report functions
(``reliability_summary``, ``layer_agreement``, ``layers_agreement``) return JSON-ready dicts with
None instead. Methods and references: docs/agreement.md.

The names below are loaded on first use (PEP 562): importing one of them must not import every
measure's dependencies (γ alone brings in scipy.sparse and its graph routines, about a quarter
of a second that ``stancedesk agreement`` without ``--gamma`` never needs).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# public name -> the module defining it
_HOMES = {
    "Alignment": "align",
    "LEVELS": "alpha",
    "coincidence_matrix": "alpha",
    "krippendorff_alpha": "alpha",
    "bootstrap_ci": "bootstrap",
    "NONE_LABEL": "charalpha",
    "fleiss_kappa": "coefficients",
    "gwet_ac1": "coefficients",
    "gwet_ac2": "coefficients",
    "per_category_agreement": "coefficients",
    "percent_agreement": "coefficients",
    "gamma_agreement": "gamma",
    "ConfusionMatrix": "kappa",
    "cohen_kappa": "kappa",
    "confusion_matrix": "kappa",
    "scott_pi": "kappa",
    "align_layer": "spans",
    "char_alpha": "spans",
    "f1_exact": "spans",
    "f1_overlap": "spans",
    "layer_agreement": "spans",
    "layers_agreement": "spans",
    "unitized_alpha": "spans",
    "reliability_summary": "summary",
    "UnitizedAlpha": "unitized",
    "unitized_alpha_arrays": "unitized",
}

__all__ = [
    "LEVELS",
    "NONE_LABEL",
    "Alignment",
    "ConfusionMatrix",
    "UnitizedAlpha",
    "align_layer",
    "bootstrap_ci",
    "char_alpha",
    "cohen_kappa",
    "coincidence_matrix",
    "confusion_matrix",
    "f1_exact",
    "f1_overlap",
    "fleiss_kappa",
    "gamma_agreement",
    "gwet_ac1",
    "gwet_ac2",
    "krippendorff_alpha",
    "layer_agreement",
    "layers_agreement",
    "per_category_agreement",
    "percent_agreement",
    "reliability_summary",
    "scott_pi",
    "unitized_alpha",
    "unitized_alpha_arrays",
]

if TYPE_CHECKING:
    from stancedesk.agreement.align import Alignment
    from stancedesk.agreement.alpha import LEVELS, coincidence_matrix, krippendorff_alpha
    from stancedesk.agreement.bootstrap import bootstrap_ci
    from stancedesk.agreement.charalpha import NONE_LABEL
    from stancedesk.agreement.coefficients import (
        fleiss_kappa,
        gwet_ac1,
        gwet_ac2,
        per_category_agreement,
        percent_agreement,
    )
    from stancedesk.agreement.gamma import gamma_agreement
    from stancedesk.agreement.kappa import (
        ConfusionMatrix,
        cohen_kappa,
        confusion_matrix,
        scott_pi,
    )
    from stancedesk.agreement.spans import (
        align_layer,
        char_alpha,
        f1_exact,
        f1_overlap,
        layer_agreement,
        layers_agreement,
        unitized_alpha,
    )
    from stancedesk.agreement.summary import reliability_summary
    from stancedesk.agreement.unitized import UnitizedAlpha, unitized_alpha_arrays


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
