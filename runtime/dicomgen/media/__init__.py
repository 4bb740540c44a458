"""DICOM media: Part 10 files (PS3.10). ``dicomgen.media.part10.read/write``."""
