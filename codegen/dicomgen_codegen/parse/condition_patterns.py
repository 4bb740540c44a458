"""The regular expressions of the condition grammar (:mod:`.condition_grammar`): attribute
references, predicates, values, connectives, and the standard's fixed phrases."""

from __future__ import annotations

import re

from dicomgen.core.conditions import (
    Absent,
    And,
    AnyItem,
    Compare,
    Condition,
    Count,
    Equals,
    Or,
    PointsTo,
    Present,
    Varies,
)

TAG = re.compile(r"\(\s*([0-9A-Fa-f]{4})\s*,\s*([0-9A-Fa-f]{4})\s*\)")
LEAD = re.compile(
    r"^\s*(?:[CMU]\s*-\s*)?(?:(?:Required\s*,?\s+(?:only\s+)?(?:if|when)\s*:?\s+)+|Required(?=\s)"
    r"|Shall\s+be\s+present\s+(?:only\s+)?if|>*\s*Include\b.*?\bif(?:\s+and\s+only\s+if)?"
    r"|if(?:\s+and\s+only\s+if)?)\s*",
    re.I,
)
TRAIL = re.compile(
    r"\s*(?:[,;.]\s*|\s+)(?:(?:and\s+)?may\s+(?:also\s+)?be\s+present|otherwise"
    r"|shall\s+not\s+be\s+present|in\s+which\s+case\b|[CU]\s+-\s+Optional\b"
    r"|may\s+not\s+be\s+present|see\b|this\s+is\b|\(see\b|overriding\b).*$",
    re.I | re.S,
)
NAME_BAD = re.compile(r"\b(is|are|if|has|have|equals|was|were|when|not|value|either)\b")
PREFIX = re.compile(
    r"^(?:(?:the|a|any)\s+values?\s+(?:of|for)\s+|Attributes?\s+|values?\s+of\s+"
    r"|one\s+or\s+more\s+of\s+the\s+values\s+of\s+|(?-i:value)\s+|the\s+|either\s*:?\s*"
    r"|(?-i:one\s+(?=[A-Z])))",
    re.I,
)
# "the third value of X (..)", "Value 3 of X (..)": the value number comes before the name
ORDINAL = re.compile(
    r"^(?:the\s+)?(?:(first|second|third|fourth|fifth)\s+value|value\s+(\d+))\s+of\s+", re.I
)
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
FRAME = re.compile(r"\bthis\s+frame\b", re.I)
QUALIFIERS = re.compile(
    r"\s*(?:of\s+this\s+frame|at\s+the\s+image\s+level|in\s+this\s+(?:Sequence\s+)?Item"
    r"|of\s+this\s+[\w\- ]*?SOP\s+Instance|Attribute(?:\s+value)?|sequence"
    r"|in\s+the\s+[A-Z][\w/\- ]*?\s+(?:Module|Macro)|value)(?=\W|$)",
    re.I,
)
NAME_BEFORE_VERB = re.compile(
    r"([A-Z0-9][^,;()]*?)(?=\s+(?:is|are|has|have|equals?|value|Value\s+\d|does|contains?"
    r"|points|includes|exists?|changes?)\b|\s*!?=|\s*\.?$)"
)
# "Referenced SOP Class UID (0008,1150) of the referenced image": the item's reference names it
OF_THE_REFERENCED = re.compile(
    r"\s*of\s+the\s+referenced\s+(?:image|instance|SOP\s+Instance)\b", re.I
)
REFERENCE_TAGS = frozenset({0x00081150, 0x00081155})  # Referenced SOP Class / Instance UID
SAME_ATTR = re.compile(r"\s*(?=Value\s+\d+\s+(?:is|equals?|has)\b)")
VALUE_N = re.compile(r"\s*,?\s*Value\s+(\d+)\b", re.I)

P_EQ_PRESENT = re.compile(
    r"\s*(?:is|are)\s+(?:present|provided|sent)\s+(?:and\s+(?:(?:has|have)\s+a\s+value\s+of"
    r"|equals?|is(?:\s+either)?|the\s+value\s+is|has\s+the\s+value)"
    r"|with\s+(?:a\s+)?values?(?:\s+of)?)\s+(?!other\b|not\b)",
    re.I,
)
P_NE_PRESENT = re.compile(
    r"\s*(?:is|are)\s+present\s+(?:with\s+a\s+value\s+other\s+than"
    r"|and\s+(?:is\s+not|has\s+a\s+value\s+other\s+than))\s+",
    re.I,
)
P_HASVALUE = re.compile(
    r"\s*(?:(?:is|are)\s+present\s+(?:and|with)\s+(?:has\s+|have\s+)?a\s+value"
    r"|(?:has|have)\s+a\s+value|(?:is|are)\s+not\s+empty|contains?\s+(?:one\s+or\s+more\s+)?"
    r"Items?)(?!\s+(?:of|other|greater|less))\b",
    re.I,
)
P_ABSENT = re.compile(
    r"\s*(?:(?:is|are)\s+(?:not\s+present|absent|not\s+sent)|does\s+not\s+exist"
    r"|(?:is|are)\s+not\s+present)\b",
    re.I,
)
P_EMPTY = re.compile(
    r"\s*(?:(?:is|are)\s+(?:empty|zero[\s-]+length)|do(?:es)?\s+not\s+contain\s+a\s+value)\b",
    re.I,
)
WITHIN = re.compile(r"\s*(?:with)?in\s+(?:the\s+|an?\s+Item\s+of\s+(?:the\s+)?)?(?=\S)", re.I)
P_NONNULL = re.compile(
    r"\s*(?:is|are)\s+(?:non-?null|non-?zero[\s-]+length|not\s+zero[\s-]+length)\b", re.I
)
NUMBER = r"(\d+(?:\.\d+)?|zero|one|two|three)"
P_CMP = re.compile(
    r"\s*(?:(?:is|are)\s+(?:present\s+and\s+)?)?(?:(?:has|have)\s+a\s+value\s+(?:of\s+)?)?"
    r"(greater|more|less|fewer)\s+than(\s+or\s+equal\s+to)?\s+" + NUMBER + r"\b",
    re.I,
)
P_NONZERO = re.compile(
    r"\s*(?:(?:is|are)\s+(?:present\s+and\s+)?)?(?:(?:has|have)\s+a\s+)?"
    r"(?:non-?zero(?:\s+value)?|not\s+zero)\b(?![\s-]+length)",
    re.I,
)
P_ZERO = re.compile(r"\s*(?:is|are|equals?)\s+zero\b(?![\s-]+length)", re.I)
# "the number of Items in X (..)", "there is more than one Item in X (..)": a count of items
COUNT_OF = re.compile(
    r"\s*(?:the\s+)?number\s+of\s+(?:Items|values)\s+(?:in|of)\s+(?:the\s+)?", re.I
)
MORE_ITEMS = re.compile(
    r"\s*there\s+(?:is|are)\s+more\s+than\s+" + NUMBER + r"\s+Items?\s+(?:in|of)\s+(?:the\s+)?",
    re.I,
)
# "contains one Item"
P_ITEMS_N = re.compile(r"\s*contains\s+(one|two|three|\d+)\s+Items?\b(?!\s+(?:of|with)\b)", re.I)
# "... is present in this Sequence Item": the item being checked, as everywhere
IN_THIS_ITEM = re.compile(r"\s*in\s+this\s+(?:Sequence\s+)?Item\b(?!\s+of\b)", re.I)
# "in this Item of the Y Sequence (..)", "in the containing Y Sequence (..) Item"
IN_ITEM_OF = re.compile(
    r"\s*(?P<nor>nor\s+)?in\s+(?:this\s+Item\s+of\s+(?:the\s+)?|the\s+(?P<c>containing)\s+)", re.I
)
ITEM_WORD = re.compile(r"\s*Item\b", re.I)
# "specifies more than one frame (i.e., is multi-valued)", "is multi-valued"
P_MULTI = re.compile(
    r"\s*(?:specifies\s+more\s+than\s+one\s+\w+\s*\(\s*i\.e\.,?\s+is\s+multi-valued\s*\)"
    r"|(?:is|are)\s+multi-valued\b)",
    re.I,
)
# "a value is present in X (..) or Y (..)"
# "Either one or both of A (..) or B (..) are required": the row's own attribute and another
EITHER_REQUIRED = re.compile(r"\s*either\s+one\s+or\s+both\s+of\s+(?:the\s+)?", re.I)
EITHER_OR = re.compile(r"\s+or\s+(?:the\s+)?", re.I)
EITHER_END = re.compile(r"\s+(?:is|are)\s+required\b", re.I)
# "A (..), B (..), and the pair of C (..) and D (..) are not present"
PAIR_OF = re.compile(r"\s*,?\s*and\s+the\s+pair\s+of\s+(?:the\s+)?", re.I)
PAIR_AND = re.compile(r"\s+and\s+(?:the\s+)?", re.I)
# "X (..) is present and there exists any value other than A": some value of X, wherever the
# modules hold it, is not A
# "is present and there exists any value other than", "is present with a value other than"
ANY_VALUE_OTHER = re.compile(
    r"\s*is\s+present\s+(?:and\s+there\s+exists?\s+any\s+value|with\s+a\s+value)"
    r"\s+other\s+than\s+",
    re.I,
)
# "the SOP Class is other than Grayscale Softcopy Presentation State Storage"
SOP_CLASS_IS = re.compile(
    r"\s*the\s+SOP\s+Class\s+is\s+(?P<neg>other\s+than\s+|not\s+)?(?:the\s+)?", re.I
)
VALUE_IN = re.compile(r"\s*a\s+value\s+is\s+present\s+in\s+(?:the\s+)?", re.I)
# "X (..) is present in the A Module or B Module": where those modules hold it
IN_MODULES = re.compile(
    r"\s*in\s+(?:the\s+)?(?P<list>[A-Z][\w/\- ]*?\s+Module"
    r"(?:\s*,?\s*or\s+(?:the\s+)?[A-Z][\w/\- ]*?\s+Module)*)\b"
)
MODULE_SEP = re.compile(r"\s*,?\s*or\s+(?:the\s+)?")
# "X (..) is present within a Functional Group Sequence": in an item of one of them
IN_FUNCTIONAL_GROUPS = re.compile(r"\s*(?:with)?in\s+a\s+Functional\s+Group\s+Sequence\b", re.I)
# "is present with an Item value other than (..)": of a code sequence of a single item
P_NOT_CODE = re.compile(
    r"\s*(?:is\s+present\s+with|has)\s+an\s+Item\s+value\s+other\s+than\s+(?=\()", re.I
)
P_POINTS = re.compile(
    r"\s*(?:points\s+to|(?:contains|includes|is)\s+the\s+(?:Data\s+Element\s+)?Tag\s+(?:for|of))"
    r"\s+(?:the\s+)?",
    re.I,
)
P_PRIVATE = re.compile(
    r"\s*(?:value\s+)?is\s+the\s+Data\s+Element\s+Tag\s+of\s+a\s+Private\s+Attribute\b", re.I
)
P_IS = re.compile(r"\s*(?:is|equals?)\s+(?:the\s+)?", re.I)
P_CODE = re.compile(
    r"\s*(?:Item\s+value\s+)?(?:contains|equals?|is|has)\s+"
    r"(?:an?\s+Item\s+with\s+(?:the\s+)?values?(?:\s+of)?\s+"
    r"|either\s+|one\s+of\s+)?(?=\()",
    re.I,
)
CODE = re.compile(r"\(\s*([^,()\"]+?)\s*,\s*([^,()\"]+?)\s*,\s*\"[^\"]*\"\s*\)")
CODE_SEP = re.compile(r"\s*(?:,\s*(?:or\s+)?|\s+or\s+)")
IN_ITEMS = re.compile(
    r"\s*in\s+(?:any\s+of\s+the\s+Items\s+(?:in|of)|any\s+Item\s+of|an\s+Item\s+of"
    r"|Control\s+Points\s+specified\s+within)"
    r"\s+(?:the\s+)?",
    re.I,
)
P_PRESENT = re.compile(r"\s*(?:(?:is|are)\s+(?:present|sent|provided|used)|exists?)\b", re.I)
P_NE = re.compile(
    r"\s*(?:(?:equals?|is|has\s+a\s+value|=)\s+other\s+than|is\s+not\s+equal\s+to"
    r"|is\s+(?:present\s+)?with\s+a\s+value\s+other\s+than|is\s+present\s+and\s+is\s+not"
    r"|(?:is\s+)?not\s+(?:any\s+of|one\s+of)|is\s+none\s+of|is\s+not"
    r"|does\s+not\s+equal|!=|has\s+a\s+value\s+other\s+than|not)\s+",
    re.I,
)
P_EQ = re.compile(
    r"\s*(?:equals?|is\s+equal\s+to|has\s+a\s+value\s+of|has\s+the\s+value|has\s+value"
    r"|(?:is|are)\s+present\s+(?:with|and\s+has)\s+(?:a\s+)?values?(?:\s+of)?"
    r"|(?:is|are)\s+present\s+and\s+(?:the\s+value\s+is|is(?:\s+either)?)"
    r"|is\s+set\s+to|(?:has|have)\s+values?\s+of|contains\s+the\s+value|is\s+of\s+Value"
    r"|is\s+(?:either|one\s+of|any\s+of)|is\s*:|=|is|are|value\s+is)\s+",
    re.I,
)
VALUE = re.compile(
    # a UID by name: Segmentation Storage ("1.2.840.10008.5.1.4.1.1.66.4")
    r"(?:[A-Z](?:(?!\s(?:is|are|or|and|equals?|not|if)\b)[\w\-/ ])*?\s*\(\s*)\"([0-9.]+)\"\s*\)"
    r"|\"([^\"]*)\"|'([^']*)'|“([^”]*)”"
    r"|([A-Z0-9_][A-Z0-9_.\-]*(?:\s+[A-Z0-9_][A-Z0-9_\-]*)*)(?![\w])"
)
VSEP = re.compile(r"\s*(?:,\s*or\s+|,\s*|\s+or\s+)")
REFSEP = re.compile(r"\s*(?:,\s*(?:(or|and)\s+)?|\s(or|and)\s+)(?:the\s+)?", re.I)
AND = re.compile(r"\s*,?\s*and\s+(?:if\s+)?(?:the\s+value\s+of\s+)?", re.I)
AND_IF = re.compile(r"\s*,?\s*and\s+if\s+", re.I)
OR = re.compile(
    r"\s*,?\s*(?:or|and\s+in\s+(?:all\s+)?subsequent\s+control\s+points)\s+(?:if\s+)?", re.I
)
# "Number of Beams (300A,0080) is greater than zero for one or more fraction groups": a test
# on the items of the sequence that holds them (PS3.3 C.8.8.13 RT Fraction Scheme Module)
FOR_ITEMS = (
    (
        re.compile(r"\s*for\s+one\s+or\s+more\s+fraction\s+groups\b", re.I),
        (0x300A0070, "Fraction Group Sequence"),
    ),
)
# "for first Item of Control Point Sequence", "for Control Point 0 of Control Point Delivery
# Sequence (3008,0040)": the sequence follows
POSITION = re.compile(
    r"\s*(?:for\s+)?(?:the\s+)?(?:first\s+Item\s+(?:of|in)|Control\s+Point\s+0\s+of)\s+(?:the\s+)?",
    re.I,
)
SEQUENCE_NAME = re.compile(
    r"([A-Z][\w\- ]*?\bSequence)(?:\s*\(\s*([0-9A-Fa-f]{4})\s*,\s*([0-9A-Fa-f]{4})\s*\))?"
)
# "for all but the last Item in this Sequence and for the last Item if ..."
ALL_BUT_LAST = re.compile(
    r"\s*for\s+all\s+but\s+the\s+last\s+Item\s+(?:in|of)\s+this\s+Sequence\s+and\s+for\s+"
    r"the\s+last\s+Item\s+if\s+",
    re.I,
)
LAST_AND = re.compile(r"\s*,\s*and\s+(?:if\s+)?", re.I)
POSITION_IF = re.compile(r"\s*,?\s*if\s+", re.I)
# "changes during Beam", "change during beam administration", "changes during setup"
_DURING = r"changes?\s+during\s+(?:the\s+)?(?:beam\s+(?:administration|delivery)|Beam|setup)\b"
P_CHANGES = re.compile(r"\s*" + _DURING, re.I)
# "Gantry Pitch Rotation Angle changes during Beam": words, then the change
OWN_CHANGE = re.compile(r"\s*(?P<words>[A-Za-z][\w()\- ]*?)\s+" + _DURING, re.I)


AFTER_VALUE = re.compile(
    r"\s*(?:$|[,.;:]|\((?!\s*[0-9A-Fa-f]{4}\s*,)|(?:or|and|nor|in|of|for|at|may|shall|[CU]\s+-)\b)",
    re.I,
)


def value_ends(m: re.Match[str], text: str) -> bool:
    """A bare upper-case value is one only when a separator, a gloss or the end follows it
    (not "SOP Class UID is ...", not "CT Image (0008,0008)")."""
    return m.group(5) is None or bool(AFTER_VALUE.match(text, m.end()))


NUMBER_OF_FRAMES = 0x00280008
FRAME_INCREMENT_POINTER = 0x00280009
FRAME_TIME, FRAME_TIME_VECTOR = 0x00181063, 0x00181065
PIXEL_COMPONENT_ORGANIZATION = 0x00186044
RT_CONTROL_POINT_INDEX = 0x300A0600
_FRAMES = Present(NUMBER_OF_FRAMES, "Number of Frames")
_CINE = PointsTo(
    FRAME_INCREMENT_POINTER, (FRAME_TIME, FRAME_TIME_VECTOR), "Frame Increment Pointer"
)
# Number of Frames in Overlay (60xx,0015) of each of the 16 overlay groups (PS3.5 7.6)
_OVERLAY_FRAMES = Or(
    tuple(
        Compare(0x60000015 + (g << 17), ">", 1, None, "Number of Frames in Overlay")
        for g in range(16)
    )
)
REFERENCED_CONTENT_ITEM_IDENTIFIER = 0x0040DB73
REFERENCED_SERIES_SEQUENCE, REFERENCED_IMAGE_SEQUENCE = 0x00081115, 0x00081140
STUDY_INSTANCE_UID, CURRENT_EVIDENCE = 0x0020000D, 0x0040A375
VALUE_TYPE = 0x0040A040

# Fixed phrases of the standard whose meaning is a test of the data set, with the reason.
PHRASES: tuple[tuple[re.Pattern[str], Condition, str], ...] = (
    (
        re.compile(
            r"the\s+Target\s+Content\s+Item\s+is\s+included\s+by-value"
            r"(?:\s+in\s+the\s+Source\s+Content\s+Item)?",
            re.I,
        ),
        Absent(REFERENCED_CONTENT_ITEM_IDENTIFIER, "Referenced Content Item Identifier"),
        "PS3.3 C.17.3.2.4 (Table C.17-6): a Content Item included by-reference is the one that "
        "has Referenced Content Item Identifier (0040,DB73); a by-value one has not",
    ),
    (
        re.compile(
            r"the\s+Target\s+Content\s+Item\s+is\s+denoted\s+by-reference"
            r"(?:\s*,\s*i\.e\.,?\s+the\s+Document\s+Relationship\s+Macro\s+and\s+Document"
            r"\s+Content\s+Macro\s+are\s+not\s+included)?",
            re.I,
        ),
        Absent(VALUE_TYPE, "Value Type"),
        "PS3.3 Table C.17-6 defines it ('i.e., the Document Relationship Macro and Document "
        "Content Macro are not included'); Value Type (0040,A040) is Type 1 in the Document "
        "Content Macro, so the item is by-reference exactly when it has no Value Type",
    ),
    (
        re.compile(
            r"(?:the\s+)?pixel\s+data\s+is\s+multi-?frame\s+cine\s+data"
            r"|(?:the\s+)?multi-?frame\s+image\s+is\s+a\s+cine\s+image",
            re.I,
        ),
        And((_FRAMES, _CINE)),
        "the Multi-frame SC IODs (PS3.3 A.8.2-A.8.5) state the Cine Module's condition as "
        "'Frame Increment Pointer (0028,0009) is Frame Time (0018,1063) or Frame Time Vector "
        "(0018,1065)'; the XA, XRF and RT Image IODs say it in words",
    ),
    (
        re.compile(
            r"(?:the\s+)?(?:pixel\s+data\s+is\s+multi-?frame\s+data|multi-?frame\s+image"
            r"|image\s+is\s+a\s+multi-?frame\s+image"
            r"|multi-?frame\s+pixel\s+data\s+(?:are|is)\s+present)(?=\s*(?:[.,;]|and\b|$))",
            re.I,
        ),
        _FRAMES,
        "PS3.3 C.7.6.6.1.1: a Multi-frame Image conveys its count of frames in Number of Frames "
        "(0028,0008); the US Image Module (Table C.8-17) words the same rule for Frame Increment "
        "Pointer as 'Required if Number of Frames is present'",
    ),
    (
        re.compile(r"Pixel\s+Data\s+\(7FE0,0010\)\s+contains\s+more\s+than\s+one\s+frame", re.I),
        Compare(NUMBER_OF_FRAMES, ">", 1, None, "Number of Frames"),
        "PS3.3 C.7.6.6.1.1: the number of frames in the pixel data is Number of Frames (0028,0008)",
    ),
    (
        re.compile(r"Overlay\s+data\s+contains\s+multiple\s+frames", re.I),
        _OVERLAY_FRAMES,
        "PS3.3 C.9.3.1: Number of Frames in Overlay (60xx,0015) is the number of frames of a "
        "multi-frame overlay, in any of the repeating overlay groups",
    ),
    (
        re.compile(
            r"the\s+conditions\s+in\s+Section\s+C\.36\.2\.2\.5\.1\.1\s+are\s+satisfied\b", re.I
        ),
        Compare(RT_CONTROL_POINT_INDEX, "==", 1, None, "RT Control Point Index"),
        "PS3.3 C.36.2.2.5.1.1: all the Attributes it governs are present in the first item "
        "(RT Control Point Index (300A,0600) equal to 1); in later items one is present exactly "
        "when its value changes and its absence means the previous value, so presence can only "
        "be required of the first item",
    ),
    (
        re.compile(r"dose\s+data\s+contains\s+grid-based\s+doses", re.I),
        Present(0x7FE00010, "Pixel Data"),
        "PS3.3 C.8.8.3: the RT Dose Module's dose grid is the Pixel Data (7FE0,0010) (Dose Grid "
        "Scaling: 'the dose grid data found in Pixel Data'); the module states its grid "
        "attributes as 'Required if Pixel Data (7FE0,0010) is present', and the other dose "
        "representations (isodose curves, points, DVHs) are in other modules",
    ),
    (
        re.compile(
            r"(?:the\s+)?Presentation\s+State\s+Relationship\s+Module\s+references\s+more\s+"
            r"than\s+one\s+SOP\s+Instance",
            re.I,
        ),
        Or(
            (
                Count(REFERENCED_SERIES_SEQUENCE, ">", 1, "Referenced Series Sequence"),
                AnyItem(
                    REFERENCED_SERIES_SEQUENCE,
                    Count(REFERENCED_IMAGE_SEQUENCE, ">", 1, "Referenced Image Sequence"),
                    "Referenced Series Sequence",
                ),
            )
        ),
        "PS3.3 C.11.11 (Table C.11.11-1): the module references its images by Referenced Series "
        "Sequence (0008,1115) Items, each with a Referenced Image Sequence (0008,1140) of one or "
        "more Items: more than one SOP Instance is two Series Items or a Series Item of two images",
    ),
    (
        re.compile(
            r"this\s+Key\s+Object\s+Selection\s+document\s+references\s+instances\s+in\s+more\s+"
            r"than\s+one\s+Study",
            re.I,
        ),
        Varies(STUDY_INSTANCE_UID, CURRENT_EVIDENCE, "Study Instance UID"),
        "PS3.3 C.17.6.2 (Table C.17.6-2): Current Requested Procedure Evidence Sequence "
        "(0040,A375) lists all Composite SOP Instances the document references, each Item with "
        "its Study Instance UID (0020,000D) (Hierarchical SOP Instance Reference Macro): more than "
        "one Study is more than one Study Instance UID among its Items",
    ),
    (
        re.compile(r"integer\s+pixels", re.I),
        Present(0x7FE00010, "Pixel Data"),
        "PS3.3 C.7.6.3: integer pixel values are encoded in Pixel Data (7FE0,0010)",
    ),
    (
        re.compile(r"32\s+bit\s+floating\s+point\s+pixels", re.I),
        Present(0x7FE00008, "Float Pixel Data"),
        "PS3.3 C.7.6.24: 32-bit floating point pixel values are encoded in Float Pixel Data "
        "(7FE0,0008)",
    ),
    (
        re.compile(r"64\s+bit\s+floating\s+point\s+pixels", re.I),
        Present(0x7FE00009, "Double Float Pixel Data"),
        "PS3.3 C.7.6.25: 64-bit floating point pixel values are encoded in Double Float Pixel "
        "Data (7FE0,0009)",
    ),
    (
        re.compile(r"pixel\s+component\s+calibration\s+exists\s+for\s+this\s+region", re.I),
        Present(PIXEL_COMPONENT_ORGANIZATION, "Pixel Component Organization"),
        "PS3.3 C.8.5.5.1.4: 'The absence of this Attribute [Pixel Component Organization "
        "(0018,6044)] means that pixel component calibration does not exist for this region'",
    ),
    (
        re.compile(r"Pixel\s+Component\s+Organization\s*=\s*Bit\s+aligned", re.I),
        Equals(PIXEL_COMPONENT_ORGANIZATION, ("0",), None, "Pixel Component Organization"),
        "PS3.3 C.8.5.5.1.4, Enumerated Values of Pixel Component Organization (0018,6044): "
        "0 = Bit aligned positions",
    ),
    (
        re.compile(r"Pixel\s+Component\s+Organization\s*=\s*Ranges", re.I),
        Equals(PIXEL_COMPONENT_ORGANIZATION, ("1",), None, "Pixel Component Organization"),
        "PS3.3 C.8.5.5.1.4, Enumerated Values of Pixel Component Organization (0018,6044): "
        "1 = Ranges",
    ),
)
