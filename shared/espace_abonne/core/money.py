"""Money is exact: integer cents inside, decimal strings ("123.45") in the API and the exports."""


def format_cents(cents: int) -> str:
    """12345 -> "123.45", -5 -> "-0.05"."""
    sign = "-" if cents < 0 else ""
    units, hundredths = divmod(abs(cents), 100)
    return f"{sign}{units}.{hundredths:02d}"
