"""The billing importer: loads the billing system's JSON-lines export into BillingTable.

An operations tool (and local mode's demo loader); never packaged into a function.
"""
