"""One JSON-ready summary of reliability data, for the ``stancedesk reliability`` command."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stancedesk.agreement.alpha import alpha_from_codes, encode_for_level
from stancedesk.agreement.coefficients import chance_parts, fleiss_kappa_codes, gwet_codes
from stancedesk.agreement.counts import unit_totals
from stancedesk.agreement.jsonready import number
from stancedesk.agreement.kappa import kappa_from_table, paired_table


def reliability_summary(data: Any, level: str = "nominal", *,
                        categories: Sequence[Any] | None = None,
                        value_order: Sequence[Any] | None = None) -> dict[str, Any]:
    """Units, coders and the main coefficients of (coders, units) data; None where undefined.

    ``categories`` lists the categories in the order used (the ordinal order). α uses
    ``level``; percent agreement, Fleiss' κ, Gwet's AC1 and (for exactly two coders)
    Cohen's κ are unweighted, i.e. nominal."""
    coded = encode_for_level(data, level, categories, value_order)
    codes, q = coded.codes, coded.n_categories
    out: dict[str, Any] = {
        "units": coded.n_units,
        "coders": coded.n_coders,
        "pairable_units": int((unit_totals(codes) >= 2).sum()),
        "categories": list(coded.categories),
        "level": level,
        "percent_agreement": number(chance_parts(codes, q).pa),
        "krippendorff_alpha": number(alpha_from_codes(codes, q, level, coded.scores)),
        "fleiss_kappa": number(fleiss_kappa_codes(codes, q)),
        "gwet_ac1": number(gwet_codes(codes, q)),
    }
    if coded.n_coders == 2:
        table = paired_table(codes, q, coded.categories, keep_unused=False)
        out["cohen_kappa"] = number(kappa_from_table(table.matrix))
    return out
