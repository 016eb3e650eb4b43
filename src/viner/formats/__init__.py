"""One module per format; each reads into and writes from :class:`viner.record.Example`."""
