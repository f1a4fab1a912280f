"""Local mode: the real handlers behind an HTTP server, with moto playing DynamoDB and SES.

Development only: nothing here is packaged by `sam build` (it is outside every CodeUri).
"""
