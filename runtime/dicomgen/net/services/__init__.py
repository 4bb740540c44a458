"""Ready-made DIMSE-N handlers: :mod:`.normalized` keeps Normalized SOP Instances in memory
(N-CREATE, N-GET, N-SET, N-DELETE). The archive (storage and query/retrieve SCPs over files
and an index) is :mod:`dicomgen.archive`."""
