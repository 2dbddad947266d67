"""Reports people read: Markdown with charts, built from the same result models the CLI prints."""
