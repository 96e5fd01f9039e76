"""The admin's first page: a support overview (selectors.py reads, charts.py draws, site.py serves)."""
