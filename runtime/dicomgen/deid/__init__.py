"""De-identification of data sets by PS3.15 Annex E (generated profile, see
``dicomgen_std.deid_profile``)."""
