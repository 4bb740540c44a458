"""Parsers: DocBook part -> IR records, one module per part."""
