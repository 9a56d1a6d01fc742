"""Reports: HTML and JSON reports, charts, notifications."""
