"""Who dicomgen is on the wire and in files: one Implementation Class UID and Version Name,
used in File Meta Information (PS3.10 7.1) and in A-ASSOCIATE user information (PS3.7 D.3.3.2)."""

from __future__ import annotations

IMPLEMENTATION_CLASS_UID = "2.25.331417988222845367646187907283114906194"
"""dicomgen's Implementation Class UID (a UUID-derived UID, PS3.5 B.2)."""

IMPLEMENTATION_VERSION_NAME = "DICOMGEN_010"
"""dicomgen's Implementation Version Name (SH, at most 16 characters)."""
