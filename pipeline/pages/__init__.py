"""One module per published page: its text, display tables, charts and downloads."""
