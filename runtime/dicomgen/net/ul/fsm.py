"""The DICOM Upper Layer state machine as data (PS3.8 9.2, Tables 9-1..9-10).

:data:`TRANSITIONS` is PS3.8 Table 9-10 copied cell by cell: ``(State, Event) -> Transition``.
Empty cells of the table are absent from the dict (the event cannot occur in that state;
:func:`transition` raises). A cell such as "AE-6 Sta3 or 13" has two possible next states;
the action decides which one (PS3.8 Table 9-6).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import attrs

from dicomgen.core.errors import NetworkError


class State(enum.Enum):
    """States Sta1..Sta13 (PS3.8 Tables 9-1..9-5)."""

    STA1 = "Idle"
    STA2 = "Transport connection open (Awaiting A-ASSOCIATE-RQ PDU)"
    STA3 = "Awaiting local A-ASSOCIATE response primitive (from local user)"
    STA4 = "Awaiting transport connection opening to complete (from local transport service)"
    STA5 = "Awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ PDU"
    STA6 = "Association established and ready for data transfer"
    STA7 = "Awaiting A-RELEASE-RP PDU"
    STA8 = "Awaiting local A-RELEASE response primitive (from local user)"
    STA9 = "Release collision requestor side; awaiting A-RELEASE response (from local user)"
    STA10 = "Release collision acceptor side; awaiting A-RELEASE-RP PDU"
    STA11 = "Release collision requestor side; awaiting A-RELEASE-RP PDU"
    STA12 = (
        "Release collision acceptor side; awaiting A-RELEASE response primitive (from local user)"
    )
    STA13 = "Awaiting Transport Connection Close Indication (Association no longer exists)"

    @property
    def number(self) -> int:
        return int(self.name[3:])

    # Members compare by identity: hashing them by identity too keeps Table 9-10 lookups
    # (one or more for every PDU) off Enum.__hash__, a Python-level call.
    if TYPE_CHECKING:  # what type checkers see of the C-level identity hash below

        def __hash__(self) -> int: ...

    else:
        __hash__ = object.__hash__


class Event(enum.Enum):
    """Events Evt1..Evt19: the rows of PS3.8 Table 9-10, in order."""

    EVT1 = "A-ASSOCIATE Request (local user)"
    EVT2 = "Transport Conn. Confirmn (local transport service)"
    EVT3 = "A-ASSOCIATE-AC PDU (received on transport connection)"
    EVT4 = "A-ASSOCIATE-RJ PDU (received on transport connection)"
    EVT5 = "Transport Connection Indication (local transport service)"
    EVT6 = "A-ASSOCIATE-RQ PDU (received on transport connection)"
    EVT7 = "A-ASSOCIATE response primitive (accept)"
    EVT8 = "A-ASSOCIATE response primitive (reject)"
    EVT9 = "P-DATA request primitive"
    EVT10 = "P-DATA-TF PDU"
    EVT11 = "A-RELEASE Request primitive"
    EVT12 = "A-RELEASE-RQ PDU (received on open transport connection)"
    EVT13 = "A-RELEASE-RP PDU (received on transport connection)"
    EVT14 = "A-RELEASE Response primitive"
    EVT15 = "A-ABORT Request primitive"
    EVT16 = "A-ABORT PDU (received on open transport connection)"
    EVT17 = "Transport connection closed indication (local transport service)"
    EVT18 = "ARTIM timer expired (Association reject/release timer)"
    EVT19 = "Unrecognized or invalid PDU received"

    @property
    def number(self) -> int:
        return int(self.name[3:])

    # Members compare by identity: hashing them by identity too keeps Table 9-10 lookups
    # (one or more for every PDU) off Enum.__hash__, a Python-level call.
    if TYPE_CHECKING:  # what type checkers see of the C-level identity hash below

        def __hash__(self) -> int: ...

    else:
        __hash__ = object.__hash__


class Action(enum.Enum):
    """Actions of PS3.8 Tables 9-6 (AE), 9-7 (DT), 9-8 (AR), 9-9 (AA); value = the label.

    Values are the labels ("AE-1"): two definitions are identical ("Stop ARTIM timer",
    AR-5 and AA-5), and enum members with equal values would be aliases.
    """

    AE_1 = "AE-1"
    AE_2 = "AE-2"
    AE_3 = "AE-3"
    AE_4 = "AE-4"
    AE_5 = "AE-5"
    AE_6 = "AE-6"
    AE_7 = "AE-7"
    AE_8 = "AE-8"
    DT_1 = "DT-1"
    DT_2 = "DT-2"
    AR_1 = "AR-1"
    AR_2 = "AR-2"
    AR_3 = "AR-3"
    AR_4 = "AR-4"
    AR_5 = "AR-5"
    AR_6 = "AR-6"
    AR_7 = "AR-7"
    AR_8 = "AR-8"
    AR_9 = "AR-9"
    AR_10 = "AR-10"
    AA_1 = "AA-1"
    AA_2 = "AA-2"
    AA_3 = "AA-3"
    AA_4 = "AA-4"
    AA_5 = "AA-5"
    AA_6 = "AA-6"
    AA_7 = "AA-7"
    AA_8 = "AA-8"

    @property
    def label(self) -> str:
        """``"AE-1"``: the name used in the standard."""
        return str(self.value)

    @property
    def definition(self) -> str:
        """The action's definition in PS3.8 Tables 9-6..9-9."""
        return ACTION_DEFINITIONS[self]

    if TYPE_CHECKING:  # what type checkers see of the C-level identity hash below

        def __hash__(self) -> int: ...

    else:
        __hash__ = object.__hash__  # as State's: the provider looks up each action's method


ACTION_DEFINITIONS: dict[Action, str] = {
    Action.AE_1: "Issue TRANSPORT CONNECT request primitive to local transport service",
    Action.AE_2: "Send A-ASSOCIATE-RQ-PDU",
    Action.AE_3: "Issue A-ASSOCIATE confirmation (accept) primitive",
    Action.AE_4: "Issue A-ASSOCIATE confirmation (reject) primitive and close transport connection",
    Action.AE_5: "Issue Transport connection response primitive; start ARTIM timer",
    Action.AE_6: (
        "Stop ARTIM timer and if A-ASSOCIATE-RQ acceptable by service-provider: issue"
        " A-ASSOCIATE indication primitive (Sta3); otherwise issue A-ASSOCIATE-RJ-PDU and"
        " start ARTIM timer (Sta13)"
    ),
    Action.AE_7: "Send A-ASSOCIATE-AC PDU",
    Action.AE_8: "Send A-ASSOCIATE-RJ PDU and start ARTIM timer",
    Action.DT_1: "Send P-DATA-TF PDU",
    Action.DT_2: "Send P-DATA indication primitive",
    Action.AR_1: "Send A-RELEASE-RQ PDU",
    Action.AR_2: "Issue A-RELEASE indication primitive",
    Action.AR_3: "Issue A-RELEASE confirmation primitive, and close transport connection",
    Action.AR_4: "Issue A-RELEASE-RP PDU and start ARTIM timer",
    Action.AR_5: "Stop ARTIM timer",
    Action.AR_6: "Issue P-DATA indication",
    Action.AR_7: "Issue P-DATA-TF PDU",
    Action.AR_8: (
        "Issue A-RELEASE indication (release collision): if association-requestor, next"
        " state is Sta9, if not, next state is Sta10"
    ),
    Action.AR_9: "Send A-RELEASE-RP PDU",
    Action.AR_10: "Issue A-RELEASE confirmation primitive",
    Action.AA_1: (
        "Send A-ABORT PDU (service-user source) and start (or restart if already started)"
        " ARTIM timer"
    ),
    Action.AA_2: "Stop ARTIM timer if running. Close transport connection",
    Action.AA_3: (
        "If (service-user initiated abort): issue A-ABORT indication and close transport"
        " connection; otherwise (service-provider initiated abort): issue A-P-ABORT"
        " indication and close transport connection"
    ),
    Action.AA_4: "Issue A-P-ABORT indication primitive",
    Action.AA_5: "Stop ARTIM timer",
    Action.AA_6: "Ignore PDU",
    Action.AA_7: "Send A-ABORT PDU",
    Action.AA_8: (
        "Send A-ABORT PDU (service-provider source), issue an A-P-ABORT indication, and"
        " start ARTIM timer"
    ),
}


@attrs.frozen
class Transition:
    """One cell of Table 9-10: the action and the possible next state(s)."""

    action: Action
    next_states: tuple[State, ...]

    @property
    def next_state(self) -> State:
        """The next state when it does not depend on the action's outcome."""
        if len(self.next_states) != 1:
            raise NetworkError(
                f"{self.action.label} has several next states; the action chooses",
                action=self.action.label,
            )
        return self.next_states[0]


S = State
E = Event
A = Action
_ = None

# Table 9-10, one row per event; columns Sta1..Sta13. Each cell: (action, next state(s)) or _.
_TABLE: dict[Event, tuple] = {
    # fmt: off
    #          Sta1            Sta2            Sta3            Sta4            Sta5            Sta6            Sta7            Sta8            Sta9            Sta10           Sta11           Sta12           Sta13
    E.EVT1:  ((A.AE_1, 4),     _,              _,              _,              _,              _,              _,              _,              _,              _,              _,              _,              _),
    E.EVT2:  (_,               _,              _,              (A.AE_2, 5),    _,              _,              _,              _,              _,              _,              _,              _,              _),
    E.EVT3:  (_,               (A.AA_1, 13),   (A.AA_8, 13),   _,              (A.AE_3, 6),    (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_6, 13)),
    E.EVT4:  (_,               (A.AA_1, 13),   (A.AA_8, 13),   _,              (A.AE_4, 1),    (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_6, 13)),
    E.EVT5:  ((A.AE_5, 2),     _,              _,              _,              _,              _,              _,              _,              _,              _,              _,              _,              _),
    E.EVT6:  (_,               (A.AE_6, 3, 13), (A.AA_8, 13),  _,              (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_7, 13)),
    E.EVT7:  (_,               _,              (A.AE_7, 6),    _,              _,              _,              _,              _,              _,              _,              _,              _,              _),
    E.EVT8:  (_,               _,              (A.AE_8, 13),   _,              _,              _,              _,              _,              _,              _,              _,              _,              _),
    E.EVT9:  (_,               _,              _,              _,              _,              (A.DT_1, 6),    _,              (A.AR_7, 8),    _,              _,              _,              _,              _),
    E.EVT10: (_,               (A.AA_1, 13),   (A.AA_8, 13),   _,              (A.AA_8, 13),   (A.DT_2, 6),    (A.AR_6, 7),    (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_6, 13)),
    E.EVT11: (_,               _,              _,              _,              _,              (A.AR_1, 7),    _,              _,              _,              _,              _,              _,              _),
    E.EVT12: (_,               (A.AA_1, 13),   (A.AA_8, 13),   _,              (A.AA_8, 13),   (A.AR_2, 8),    (A.AR_8, 9, 10), (A.AA_8, 13),  (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_6, 13)),
    E.EVT13: (_,               (A.AA_1, 13),   (A.AA_8, 13),   _,              (A.AA_8, 13),   (A.AA_8, 13),   (A.AR_3, 1),    (A.AA_8, 13),   (A.AA_8, 13),   (A.AR_10, 12),  (A.AR_3, 1),    (A.AA_8, 13),   (A.AA_6, 13)),
    E.EVT14: (_,               _,              _,              _,              _,              _,              _,              (A.AR_4, 13),   (A.AR_9, 11),   _,              _,              (A.AR_4, 13),   _),
    E.EVT15: (_,               _,              (A.AA_1, 13),   (A.AA_2, 1),    (A.AA_1, 13),   (A.AA_1, 13),   (A.AA_1, 13),   (A.AA_1, 13),   (A.AA_1, 13),   (A.AA_1, 13),   (A.AA_1, 13),   (A.AA_1, 13),   _),
    E.EVT16: (_,               (A.AA_2, 1),    (A.AA_3, 1),    _,              (A.AA_3, 1),    (A.AA_3, 1),    (A.AA_3, 1),    (A.AA_3, 1),    (A.AA_3, 1),    (A.AA_3, 1),    (A.AA_3, 1),    (A.AA_3, 1),    (A.AA_2, 1)),
    E.EVT17: (_,               (A.AA_5, 1),    (A.AA_4, 1),    (A.AA_4, 1),    (A.AA_4, 1),    (A.AA_4, 1),    (A.AA_4, 1),    (A.AA_4, 1),    (A.AA_4, 1),    (A.AA_4, 1),    (A.AA_4, 1),    (A.AA_4, 1),    (A.AR_5, 1)),
    E.EVT18: (_,               (A.AA_2, 1),    _,              _,              _,              _,              _,              _,              _,              _,              _,              _,              (A.AA_2, 1)),
    E.EVT19: (_,               (A.AA_1, 13),   (A.AA_8, 13),   _,              (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_8, 13),   (A.AA_7, 13)),
    # fmt: on
}


def _build() -> dict[tuple[State, Event], Transition]:
    states = list(State)
    out: dict[tuple[State, Event], Transition] = {}
    for event, row in _TABLE.items():
        assert len(row) == len(states), event
        for state, cell in zip(states, row):
            if cell is not None:
                action, *nexts = cell
                out[(state, event)] = Transition(action, tuple(State[f"STA{n}"] for n in nexts))
    return out


#: PS3.8 Table 9-10: (current state, event) -> action and next state(s).
TRANSITIONS: dict[tuple[State, Event], Transition] = _build()


def transition(state: State, event: Event) -> Transition:
    """The cell of Table 9-10 for ``state`` and ``event``; :class:`NetworkError` if it is empty."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise NetworkError(
            f"event {event.name} ({event.value}) is not valid in state {state.name}"
            f" ({state.value}) per PS3.8 Table 9-10",
            state=state.name,
            event=event.name,
        ) from None
