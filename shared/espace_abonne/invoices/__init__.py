"""Invoices told to subscribers: « Nouvelle facture disponible » after an import (PRODUCT.md §7)."""
