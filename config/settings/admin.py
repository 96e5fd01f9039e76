"""The admin's overview page (config/overview/)."""

from config.env import env

# How long the overview's numbers are cached, and how often the open page asks for them again.
OVERVIEW_CACHE_SECONDS = env.int("OVERVIEW_CACHE_SECONDS", default=30)
# An RMA still pending this long after it was planned is counted on the overview as stuck.
OVERVIEW_RMA_PENDING_MINUTES = env.int("OVERVIEW_RMA_PENDING_MINUTES", default=5)
