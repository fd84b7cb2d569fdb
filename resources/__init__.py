"""Packaged resources: default scheme, icons, styles."""
