"""The agreement dashboard and its charts."""
