"""Inter-annotator agreement: reliability coefficients and span agreement (numpy/scipy only).

Reliability data are (coders, units) tables: floats with NaN, or labels with None, for missing
values. Coefficients return ``float('nan')`` where they are undefined; the report functions
(``reliability_summary``, ``layer_agreement``, ``layers_agreement``) return JSON-ready dicts with
None instead. Methods and references: docs/agreement.md.
"""

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
from stancedesk.agreement.kappa import ConfusionMatrix, cohen_kappa, confusion_matrix, scott_pi
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
