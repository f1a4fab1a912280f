"""`make bench`: cold start, AWS calls per request, warm latency, package size, hashing time."""
