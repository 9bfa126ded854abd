"""eepay payment backend sandbox: accounts, transactions, refunds, security, disputes."""

__version__ = "0.1.0"
