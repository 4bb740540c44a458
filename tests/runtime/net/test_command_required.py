"""A command element the message must carry: its value, or a DimseError naming it."""

from __future__ import annotations

import pytest

from dicomgen.core.errors import DimseError
from dicomgen.net.dimse.command_set import command_set_class, decode_command, encode_command


def test_required_returns_the_element_value() -> None:
    response = command_set_class().of(
        CommandField=0x8020, MessageIDBeingRespondedTo=7, CommandDataSetType=0x0101, Status=0xFF00
    )
    cmd = decode_command(encode_command(response))
    assert cmd.required("MessageIDBeingRespondedTo") == 7
    assert cmd.required("Status") == 0xFF00


def test_required_names_the_missing_element() -> None:
    request = command_set_class().of(CommandField=0x0030, MessageID=7, CommandDataSetType=0x0101)
    cmd = decode_command(encode_command(request))
    with pytest.raises(DimseError, match="no Status"):
        cmd.required("Status")
