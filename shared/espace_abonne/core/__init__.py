"""The small core every domain stands on: HTTP layer, settings, clock, AWS clients, errors, mail transport.

Core imports no domain.
"""
