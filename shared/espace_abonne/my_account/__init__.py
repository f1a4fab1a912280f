"""« Mon compte »: password and email changes, unlinking, sessions, RGPD export and deletion."""
