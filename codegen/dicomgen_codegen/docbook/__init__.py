"""DocBook helpers shared by every part parser: loading, text cleaning, tables."""
