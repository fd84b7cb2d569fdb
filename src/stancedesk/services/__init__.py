"""Use cases shared by the GUI and the CLI, so every capability is scriptable and testable."""
