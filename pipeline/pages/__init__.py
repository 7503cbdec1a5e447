"""Pages: how each step's results are presented (text, display tables, charts, downloads)."""
