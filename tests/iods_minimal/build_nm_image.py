"""A minimal valid NM Image IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import NMImageIOD
from dicomgen_std.uids import NuclearMedicineImageStorage


def build() -> NMImageIOD:
    return NMImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=NuclearMedicineImageStorage,
        sop_instance_uid=generate_uid(),
        number_of_energy_windows=1,
        number_of_detectors=1,
        number_of_frames=1,
        frame_increment_pointer=(0x00540010,),
        samples_per_pixel=1,
        rows=4,
        columns=4,
        bits_stored=16,
        high_bit=15,
        pixel_representation=0,
        modality="NM",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
        image_type=("ORIGINAL", "PRIMARY", "STATIC", "EMISSION"),
        photometric_interpretation="MONOCHROME2",
        bits_allocated=16,
        pixel_data=bytes(32),
        body_part_examined="KNEE",
        laterality="R",
        energy_window_vector=(1,),
        actual_frame_duration=1000,
    )
