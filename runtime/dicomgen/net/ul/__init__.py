"""The DICOM Upper Layer service provider (PS3.8 9): state machine, ARTIM timer, transport."""
