"""Page modules: each page's text, display tables, charts and downloads over its step results."""
