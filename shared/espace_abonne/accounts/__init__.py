"""Accounts: sign-up, the activation link and its resend, passwords (PRODUCT.md §2 flows 1–2, §3)."""
