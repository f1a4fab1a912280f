"""Contracts and billing data: the billing copy, linking with a clé, what an account may read."""
