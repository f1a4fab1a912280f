"""Code shared by every Espace abonné function (shipped to Lambda in the shared layer)."""
