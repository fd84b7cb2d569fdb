"""Suggested attributions: who is said to say what, found offline by explainable rules.

Pure functions from text to suggestions (source, cue, claim, intermediary, sourcing type and the
rule that fired); no database, no Qt. The word lists are data files that a project can extend.
"""

from typing import TYPE_CHECKING, Any

from stancedesk.attribution.lexicon import Lexicon, load_lexicon
from stancedesk.attribution.model import Piece, Suggestion

if TYPE_CHECKING:
    from stancedesk.attribution.finder import find_attributions

__all__ = ["Lexicon", "Piece", "Suggestion", "find_attributions", "load_lexicon"]


def __getattr__(name: str) -> Any:
    # the finder (its rules, phrase tables and tokenizer) loads when first used: the desk
    # imports the model for its suggestions' types and starts without the finder
    if name == "find_attributions":
        from stancedesk.attribution.finder import find_attributions

        return find_attributions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
