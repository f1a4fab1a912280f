"""Money is exact: integer cents inside, decimal strings ("123.45") in the API and the exports."""


def format_cents(cents: int) -> str:
    """12345 -> "123.45", -5 -> "-0.05"."""
    sign = "-" if cents < 0 else ""
    units, hundredths = divmod(abs(cents), 100)
    return f"{sign}{units}.{hundredths:02d}"


def french_euros(cents: int) -> str:
    """12345 -> "123,45 €" as a French reader writes it (decimal comma, a narrow no-break space
    between thousands, a no-break space before the sign)."""
    units, hundredths = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", "\u202f")
    return f"{'-' if cents < 0 else ''}{grouped},{hundredths:02d}\u00a0€"
