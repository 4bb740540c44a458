"""Encoding of values and text: Specific Character Set (:mod:`.charset`, PS3.5 6.1) and the
per-VR value codecs (:mod:`.values`, PS3.5 6.2) used by the data set reader and writer."""
