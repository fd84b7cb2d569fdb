"""Suggested attributions: who is said to say what, found offline by explainable rules.

Pure functions from text to suggestions (source, cue, claim, intermediary, sourcing type and the
rule that fired); no database, no Qt. The word lists are data files that a project can extend.
"""

from stancedesk.attribution.finder import find_attributions
from stancedesk.attribution.lexicon import Lexicon, load_lexicon
from stancedesk.attribution.model import Piece, Suggestion

__all__ = ["Lexicon", "Piece", "Suggestion", "find_attributions", "load_lexicon"]
