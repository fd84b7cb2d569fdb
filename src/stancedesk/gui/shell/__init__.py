"""The main window and what every feature shares: launch, settings, theme, jobs."""
