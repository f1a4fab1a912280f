"""Requests to the Régie: subscription requests and contact messages (visitors and subscribers)."""
