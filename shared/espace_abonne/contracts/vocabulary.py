"""The billing system's words, shared by the export's records and the stored copy."""

from typing import Literal

ReadingSource = Literal["télérelève", "agent", "autorelève", "estimation"]
InvoiceStatus = Literal["payée", "à payer", "partiellement payée"]
