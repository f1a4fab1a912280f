"""Consumption: daily data of remote-read meters, series and their CSV, loi Warsmann alerts,
personal thresholds, readings sent by the subscriber (PRODUCT.md §8)."""
