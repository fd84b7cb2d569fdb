"""StanceDesk: who says what, with what stance, on whose authority."""

__version__ = "0.1.0"
