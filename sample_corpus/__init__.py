"""The bundled sample articles (Markdown with front matter), loaded into a new default database."""
