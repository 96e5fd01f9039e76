"""Returns, RMAs, their timeline and the per-store rules in the operations console, a module per page kind
(`routing`: routing rules and their dry run).

A return's page is a read-only case page (its story: header, lines, RMAs, timeline with evidence)
with actions that call services after a confirmation. What came from a platform (returns, lines,
shipments) and what services own (RMA status, number, external id, attempts) is never a form
field; support corrects an RMA's status through an action that records who and why.
"""

from returns.admin import case, logs, orphans, rmas, routing, rules
from returns.admin.case import CASE_ACTIONS
from returns.admin.common import kind_label

__all__ = ("CASE_ACTIONS", "case", "kind_label", "logs", "orphans", "rmas", "routing", "rules")
