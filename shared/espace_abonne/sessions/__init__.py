"""Sessions: activation (it logs in), log in, log out, the session cookie, forgotten password."""
