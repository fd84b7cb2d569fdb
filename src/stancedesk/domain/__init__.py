"""Plain data of StanceDesk: no Qt, no SQLAlchemy, so it is cheap to build and test."""

from stancedesk.domain.annotator import Annotator
from stancedesk.domain.document import (
    Document,
    DocumentStatus,
    document_id_for_text,
    sha256_text,
)
from stancedesk.domain.errors import Cancelled, UserError
from stancedesk.domain.scheme import Label, Layer, LayerKind, Scheme, SchemeError, StanceTarget
from stancedesk.domain.span import Span, new_span_id

__all__ = [
    "Annotator",
    "Cancelled",
    "Document",
    "DocumentStatus",
    "Label",
    "Layer",
    "LayerKind",
    "Scheme",
    "SchemeError",
    "Span",
    "StanceTarget",
    "UserError",
    "document_id_for_text",
    "new_span_id",
    "sha256_text",
]
