"""dicomgen_codegen: reads the DICOM standard's DocBook XML and generates ``dicomgen_std``."""
