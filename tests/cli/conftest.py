"""The annotated corpus of the format tests, for the exchange commands."""

from tests.formats.conftest import annotated  # noqa: F401
