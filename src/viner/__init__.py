"""viner: build a custom Vietnamese named-entity model end to end, without Prodigy."""

__version__ = "0.1.0"
