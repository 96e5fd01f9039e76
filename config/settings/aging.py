"""Aging returns (product.md flow 13): the days after which a return is overdue, per store, with these defaults.

A new store takes them (Store.aging_arrival_days / aging_close_days); support or its owners change a store's
own in the admin, the API or its overview page.
"""

from config.env import env

# A return whose label was created this many days ago (or that the carrier says was delivered) without a
# warehouse receipt is overdue: "should have arrived" (N).
AGING_ARRIVAL_DAYS = env.int("AGING_ARRIVAL_DAYS", default=14)
# A return received at the warehouse this many days ago and still not closed on the returns platform (M).
AGING_CLOSE_DAYS = env.int("AGING_CLOSE_DAYS", default=7)
