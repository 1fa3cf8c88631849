"""kefu (客服): customer service for Chinese online shops."""

__version__ = "0.1.0"
