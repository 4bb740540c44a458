"""Rendering: small jinja2 templates, logic in tested filters, black, write-if-changed."""
