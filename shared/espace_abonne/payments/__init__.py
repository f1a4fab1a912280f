"""Online payment of invoices with PayFiP (PRODUCT.md §6)."""
