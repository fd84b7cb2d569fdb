"""The agreement dashboard, its charts, and the sourcing profile view."""
