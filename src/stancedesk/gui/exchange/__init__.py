"""Import and export dialogs, their previews and label mapping."""
