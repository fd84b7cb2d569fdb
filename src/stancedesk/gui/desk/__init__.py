"""The annotation desk: the reader, span painting, palette, tables and undo commands."""
