"""The sourcing profile dashboard and its charts."""
