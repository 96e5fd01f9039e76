"""Orphan receipts (product.md flow 12): parcels a warehouse received that match none of our RMAs.

`keep` takes the warehouse event nothing else claimed, `matching` finds the returns it could be, `link` applies it
to the one a person or the matching chose (or records why it was dismissed).
"""
