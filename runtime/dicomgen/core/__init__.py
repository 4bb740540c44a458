"""Core types: tags, VRs, values, data elements, data sets, errors."""
