"""Validation of data sets against the typed classes' specs (what dciodvfy does, from the IR).

Rules, each reported as a :class:`Finding` naming the IOD, the module, the attribute path
through sequence items (``ReferencedImageSequence[0].ReferencedSOPClassUID``), the rule, its
severity and the words of the standard it comes from:

- Attribute Types, PS3.3 5.4 (and PS3.5 7.4): Type 1 present with a value, Type 2 present
  (may be empty), Type 1C/2C the same when their condition holds. A condition the generator
  could not parse (:class:`~dicomgen.core.conditions.Unparsed`) is not checked; it is reported
  as an ``info`` finding (``condition-not-checked``) so the unchecked rules are counted.
- Module usage, PS3.3 A.1.3: M modules are checked; U modules when any of their attributes is
  present; C modules when their condition holds (else as U; an unparsed module condition gives
  ``module-condition-not-checked``).
- Enumerated Values (error) and Defined Terms (warning), PS3.3 5.3. For a multi-valued
  attribute only Value 1 is checked (the generated enum lists do not say which value a term is
  for).
- VR value rules, PS3.5 6.2 (:func:`dicomgen.encoding.values.validate_value`).
- Value Multiplicity, PS3.5 6.4 against the VM of PS3.6.

:func:`validate_dataset` returns a :class:`ValidationResult`: the findings as a list, with
``errors``, ``warnings`` and ``not_checked`` apart and a truth value meaning "no errors".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from . import conditions as C
from .dataset import Dataset
from .errors import DicomError
from .services import service
from .values import PersonName

if TYPE_CHECKING:
    from .typed import ClassSpec, DicomObject, FieldSpec

__all__ = [
    "Finding",
    "ValidationResult",
    "validate_dataset",
    "errors",
    "parse_vm",
    "vm_allows",
    "ERROR",
    "WARNING",
    "INFO",
]

ERROR, WARNING, INFO = "error", "warning", "info"

SHARED_FUNCTIONAL_GROUPS = 0x52009229
PER_FRAME_FUNCTIONAL_GROUPS = 0x52009230


@attrs.frozen
class Finding:
    """One way a data set breaks (or may break) the standard."""

    severity: str
    """``"error"``, ``"warning"`` or ``"info"`` (a rule that could not be checked)."""
    rule: str
    """``type1-missing``, ``type1-empty``, ``type2-missing`` (also ``type1c-...``,
    ``type2c-...``), ``condition-not-checked``, ``module-condition-not-checked``, ``enum``,
    ``defined-term``, ``vr``, ``vr-mismatch``, ``vm``, ``decode``, ``not-in-iod`` (warning: a
    public attribute the class does not define)."""
    iod: str
    """Title of the class validated (the IOD, or the module/macro)."""
    module: str
    path: str
    """Keyword path of the attribute through sequence items."""
    tag: int | None
    message: str
    standard: str
    """The text of the standard the rule comes from (Type, condition text, term list...)."""
    sources: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"{self.iod}" + (f" / {self.module}" if self.module else "")
        t = f" ({self.tag >> 16:04X},{self.tag & 0xFFFF:04X})" if self.tag is not None else ""
        src = f"; {', '.join(self.sources)}" if self.sources else ""
        what = f"{self.path}{t}: " if self.path or t else ""
        return (
            f"{self.severity.capitalize()} - {where}: {what}{self.message} "
            f"[{self.rule}] ({self.standard}{src})"
        )


class ValidationResult(list[Finding]):
    """The findings of one validation, in the order found: a ``list`` of :class:`Finding`
    with the three kinds apart.

    Its truth value is "no errors": ``if ct.validate():`` holds for a valid object even though
    warnings and rules that could not be checked are listed (``len()`` and iteration still
    see every finding).
    """

    __slots__ = ()

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity ``error``: what makes the data set non-conforming."""
        return [f for f in self if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """The findings of severity ``warning`` (Defined Terms, attributes outside the IOD)."""
        return [f for f in self if f.severity == WARNING]

    @property
    def not_checked(self) -> list[Finding]:
        """The rules that could not be checked (conditions the generator could not parse)."""
        return [f for f in self if f.severity == INFO]

    @property
    def ok(self) -> bool:
        """No errors (the truth value)."""
        return not any(f.severity == ERROR for f in self)

    def __bool__(self) -> bool:
        return self.ok

    def summary(self) -> str:
        """``"2 error(s), 1 warning(s), 24 rule(s) not checked"``."""
        return (
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s), "
            f"{len(self.not_checked)} rule(s) not checked"
        )

    def __repr__(self) -> str:
        return f"<ValidationResult: {self.summary()}>"


def errors(findings: list[Finding]) -> list[Finding]:
    """The findings of severity ``error``."""
    return [f for f in findings if f.severity == ERROR]


# --- VM (PS3.5 6.4) ------------------------------------------------------------------------

_VM_RE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d*)\s*(n)?)?\s*$")


def parse_vm(vm: str) -> tuple[int, int | None, int]:
    """``"1"`` -> (1, 1, 1); ``"1-n"`` -> (1, None, 1); ``"2-2n"`` -> (2, None, 2);
    ``"1-3"`` -> (1, 3, 1). Unknown forms -> (0, None, 1) (anything goes)."""
    first = vm.split(" or ")[0]
    m = _VM_RE.match(first)
    if not m:
        return (0, None, 1)
    lo = int(m.group(1))
    if m.group(2) is None and m.group(3) is None:
        return (lo, lo, 1)
    if m.group(3):
        step = int(m.group(2)) if m.group(2) else 1
        return (lo, None, step)
    return (lo, int(m.group(2)), 1)


def vm_allows(vm: str, count: int) -> bool:
    """Whether ``count`` values fit the VM ``vm`` of PS3.6 (``"1 or 3"`` forms too)."""
    for alt in vm.split(" or "):
        lo, hi, step = parse_vm(alt)
        if lo == 0 and hi is None:
            return True
        if count < lo or (hi is not None and count > hi):
            continue
        if hi is None and step > 1 and count % step:
            continue
        return True
    return False


def _count(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, (list, tuple)):
        return len(value)
    if isinstance(value, (str, bytes, bytearray)) and len(value) == 0:
        return 0
    if isinstance(value, PersonName) and not str(value):
        return 0
    return 1


# --- walking ---------------------------------------------------------------------------------


def _kw(f: FieldSpec) -> str:
    return f.keyword or f.name


class _ChainLookup:
    """``lookup(tag)`` of condition evaluation over a data set and the data sets enclosing it
    (nearest first); ``chain`` lets position tests (:class:`~dicomgen.core.conditions.
    FirstItem`) see which item is checked."""

    __slots__ = ("chain",)

    def __init__(self, chain: list[Dataset]) -> None:
        self.chain = chain

    def __call__(self, tag: int) -> Any:
        for ds in self.chain:
            e = ds.get_element(tag)
            if e is not None:
                try:
                    return e.value
                except DicomError:
                    return C.UNKNOWN
        return C.ABSENT


def _lookup(chain: list[Dataset]) -> Callable[[int], Any]:
    return _ChainLookup(chain)


class _Walker:
    def __init__(self, iod: str, charsets: tuple[str, ...] | None) -> None:
        self.iod = iod
        self.out: list[Finding] = []
        self.xml_id = ""
        self.charsets = charsets

    def add(
        self,
        severity: str,
        rule: str,
        module: str,
        path: str,
        tag: int | None,
        message: str,
        standard: str,
        sources: tuple[str, ...] = (),
    ) -> None:
        self.out.append(
            Finding(severity, rule, self.iod, module, path, tag, message, standard, sources)
        )

    def module_active(
        self,
        spec: ClassSpec,
        ds: Dataset,
        chain: list[Dataset],
        prefix: str,
        elsewhere: Dataset | None,
        quiet: bool,
    ) -> dict[str, bool]:
        """Per module (or functional group macro) of a class whose fields record their module
        usage: are its attributes to be checked (PS3.3 A.1.3)?"""
        usage: dict[str, tuple[str, Any]] = {}
        present: dict[str, bool] = {}
        for f in spec.fields:
            if not f.module or not f.usage:
                continue
            usage.setdefault(f.module, (f.usage, f.module_condition))
            if f.tag in ds or (elsewhere is not None and f.tag in elsewhere):
                present[f.module] = True
        active: dict[str, bool] = {}
        lookup = _lookup(chain)
        for module, (use, cond) in usage.items():
            u = use.strip()[:1].upper()
            is_present = present.get(module, False)
            if u == "M" or not u:
                active[module] = True
            elif u == "C":
                r = C.evaluate(cond, lookup) if cond is not None else None
                if r is None and not is_present and not quiet:
                    text = use if cond is None else C.describe(cond)
                    self.add(
                        INFO,
                        "module-condition-not-checked",
                        module,
                        prefix.rstrip("."),
                        None,
                        "module condition not evaluated; module absent",
                        f"Usage {text}",
                    )
                active[module] = bool(r) or is_present
            else:
                active[module] = is_present
        return active

    def walk(
        self,
        cls: type[DicomObject],
        ds: Dataset,
        chain: list[Dataset],
        prefix: str,
        outer_module: str = "",
        elsewhere: Dataset | None = None,
        defer_missing: bool = False,
    ) -> None:
        """Check ``ds`` against ``cls``. ``elsewhere``: the Shared Functional Groups item when
        ``ds`` is a Per-frame Functional Groups item (PS3.3 C.7.6.16: a functional group macro
        is in one or the other); ``defer_missing``: ``ds`` is the Shared item, whose missing
        macros are reported on the per-frame items."""
        spec = cls.__dicom__
        outer_xml_id = self.xml_id
        self.xml_id = spec.xml_id
        try:
            self._walk(spec, ds, chain, prefix, outer_module, elsewhere, defer_missing)
        finally:
            self.xml_id = outer_xml_id

    def _walk(
        self,
        spec: ClassSpec,
        ds: Dataset,
        chain: list[Dataset],
        prefix: str,
        outer_module: str,
        elsewhere: Dataset | None,
        defer_missing: bool,
    ) -> None:
        chain = [ds, *chain]
        lookup = _lookup(chain)
        active = self.module_active(spec, ds, chain, prefix, elsewhere, defer_missing)
        default_module = outer_module or (spec.title if spec.kind in ("module", "macro") else "")
        cs = self.charsets
        if cs is None:
            cs = _charsets(chain)
        for f in spec.fields:
            module = f.module or default_module
            if f.module and not active.get(f.module, True):
                continue
            path = prefix + _kw(f)
            e = ds.get_element(f.tag)
            t = f.type.strip().upper()
            base = t[:1]
            conditional = t.endswith("C") or f.condition is not None
            std = f"Type {f.type}"
            if f.condition_text:
                std += f": {f.condition_text}"
            elif f.condition is not None:
                std += f": required if {C.describe(f.condition)}"
            if base in ("1", "2"):
                needed: bool | None = True
                if conditional:
                    needed = C.evaluate(f.condition, lookup) if f.condition is not None else None
                rule = f"type{t.lower()}"
                if e is None and elsewhere is not None and f.tag in elsewhere:
                    continue  # in the Shared Functional Groups item
                if e is None and defer_missing and f.usage:
                    continue  # reported on the Per-frame Functional Groups items
                if e is None:
                    if needed:
                        self.add(
                            ERROR,
                            rule + "-missing",
                            module,
                            path,
                            f.tag,
                            f"Type {f.type} attribute {f.title} is missing",
                            std,
                            _sources(f, self.xml_id),
                        )
                    elif needed is None:
                        self.add(
                            INFO,
                            "condition-not-checked",
                            module,
                            path,
                            f.tag,
                            f"Type {f.type} attribute {f.title} is absent; its condition "
                            "was not evaluated",
                            std,
                            _sources(f, self.xml_id),
                        )
                elif base == "1" and needed is not False:
                    try:
                        empty = _count(e.value) == 0
                    except DicomError:
                        empty = False  # reported below as a decode error
                    if empty and needed:
                        self.add(
                            ERROR,
                            rule + "-empty",
                            module,
                            path,
                            f.tag,
                            f"Type {f.type} attribute {f.title} has no value",
                            std,
                            _sources(f, self.xml_id),
                        )
                    elif empty:
                        self.add(
                            INFO,
                            "condition-not-checked",
                            module,
                            path,
                            f.tag,
                            f"Type {f.type} attribute {f.title} has no value; its condition "
                            "was not evaluated",
                            std,
                            _sources(f, self.xml_id),
                        )
            if e is not None:
                self.check_value(f, e, module, path, cs, chain)
        by_tag = spec.by_tag
        for tag in ds:
            if tag not in by_tag and _standard_tag(tag):
                from .dictionary import keyword_for

                kw = keyword_for(tag) or f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
                self.add(
                    WARNING,
                    "not-in-iod",
                    outer_module,
                    prefix + kw,
                    tag,
                    f"attribute is not defined by {spec.title}",
                    f"PS3.3 {spec.xml_id}",
                )

    def check_value(
        self,
        f: FieldSpec,
        e: Any,
        module: str,
        path: str,
        cs: tuple[str, ...],
        chain: list[Dataset],
    ) -> None:
        try:
            value = e.value
        except DicomError as exc:
            self.add(
                ERROR,
                "decode",
                module,
                path,
                f.tag,
                f"cannot decode value: {exc.message}",
                f"PS3.5 Table 6.2-1 (VR {e.vr})",
                _sources(f, self.xml_id),
            )
            return
        vrs = f.vrs
        if e.vr not in vrs and e.vr != "UN":
            self.add(
                ERROR,
                "vr-mismatch",
                module,
                path,
                f.tag,
                f"encoded with VR {e.vr}, the data dictionary says {f.vr}",
                f"PS3.6 VR {f.vr}",
                _sources(f, self.xml_id),
            )
        if e.vr == "SQ":
            item_cls = f.item_class
            if item_cls is None or not isinstance(value, list):
                return
            elsewhere = None
            if f.tag == PER_FRAME_FUNCTIONAL_GROUPS:
                shared = chain[0].get_element(SHARED_FUNCTIONAL_GROUPS)
                try:
                    items = shared.value if shared is not None else None
                except DicomError:
                    items = None
                if items and isinstance(items, list):
                    elsewhere = items[0]
            defer = f.tag == SHARED_FUNCTIONAL_GROUPS
            for i, item in enumerate(value):
                self.walk(item_cls, item, chain, f"{path}[{i}].", module, elsewhere, defer)
            return
        if value is None:
            return
        for problem in service("validate_value")(e.vr, value, cs):
            self.add(
                ERROR,
                "vr",
                module,
                path,
                f.tag,
                problem,
                f"PS3.5 Table 6.2-1 (VR {e.vr})",
                _sources(f, self.xml_id),
            )
        n = _count(value)
        if n and not vm_allows(f.vm, n):
            self.add(
                ERROR,
                "vm",
                module,
                path,
                f.tag,
                f"{n} value(s); VM {f.vm} required",
                f"PS3.6 VM {f.vm}",
                _sources(f, self.xml_id),
            )
        if f.enum or f.defined_terms:
            items = list(value) if isinstance(value, (list, tuple)) else [value]
            if f.multi:
                items = items[:1]
            for v in items:
                if v is None:
                    continue
                s = str(v).strip(" \0")
                if s == "":
                    continue
                if f.enum and s not in f.enum and not _numeric_in(s, f.enum):
                    self.add(
                        ERROR,
                        "enum",
                        module,
                        path,
                        f.tag,
                        f"value {s!r} is not an Enumerated Value",
                        f"Enumerated Values: {', '.join(f.enum)}",
                        _sources(f, self.xml_id),
                    )
                elif not f.enum and f.defined_terms and s not in f.defined_terms:
                    self.add(
                        WARNING,
                        "defined-term",
                        module,
                        path,
                        f.tag,
                        f"value {s!r} is not a Defined Term",
                        f"Defined Terms: {', '.join(f.defined_terms)}",
                        _sources(f, self.xml_id),
                    )


def _standard_tag(tag: int) -> bool:
    """A public data element tag of a data set (not private, group length, meta, padding)."""
    group = tag >> 16
    return (
        not group & 1
        and group not in (0x0000, 0x0002)
        and tag & 0xFFFF != 0
        and (tag != 0xFFFCFFFC)
    )


def _sources(f: FieldSpec, xml_id: str) -> tuple[str, ...]:
    """Where the attribute is defined: the field's sources, else the table declaring it."""
    where = f.defined_in or xml_id
    return f.sources or ((where,) if where else ())


def _numeric_in(s: str, terms: tuple[str, ...]) -> bool:
    """Enumerated Values of numeric VRs are written as text ("0001H", "1"): compare as numbers."""
    try:
        n = float(s)
    except ValueError:
        return False
    for t in terms:
        t = t.strip()
        try:
            if t.upper().endswith("H") and float(int(t[:-1], 16)) == n:
                return True
            if float(t) == n:
                return True
        except ValueError:
            continue
    return False


def _charsets(chain: list[Dataset]) -> tuple[str, ...]:
    for ds in chain:
        e = ds.get_element(0x00080005)
        if e is not None:
            try:
                return ds.specific_character_set
            except DicomError:
                return ()
    return ()


SR_VALUE_TYPE = 0x0040A040  # Value Type: present at the top level of an SR document


def validate_dataset(ds: Dataset, cls: type[DicomObject]) -> ValidationResult:
    """Every finding of ``ds`` checked against the spec of ``cls`` (an IOD, module, macro or
    item class). Sequence items are checked against their item classes."""
    w = _Walker(cls.__dicom__.title, None)
    w.walk(cls, ds, [], "")
    if cls.__dicom__.kind == "iod" and SR_VALUE_TYPE in ds:
        # An SR document (or Key Object Selection): its content tree is checked by dicomgen.sr.
        w.out += service("sr_findings")(ds, cls.__dicom__.title)
    return ValidationResult(w.out)
