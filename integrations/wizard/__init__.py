"""The merchant setup wizard at /setup/: connect platforms, map locations, test, go live."""
