"""The intermediate model (IR): typed, frozen, serialisable records of the standard."""
