"""Enterprises (企业) and their contacts (联系人).

A contact's name and phone number are personal data (个人信息): their
`repr` and every export mask them unless the caller asks for them
explicitly, so they do not leak into logs, tracebacks or spreadsheets.
`mask_address` and `mask_phones_in` do the same for a notification's
addresses and for error texts that may quote them.

At rest the contacts are sealed (个人信息加密存储): the stored enterprise
holds them encrypted (`SealedContacts`, opened only with a key from the
configuration, `govbiz.contact_keys`), and its registration event holds only
`contacts_seal`, a salted digest that commits to them without revealing them
(see `seal_contacts`), so that the audit chain never carries them and a
purge (`withheld`, PIPL Art. 19) leaves every sealed event intact.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import attrs

from govbiz.domain.credit_code import validate_credit_code
from govbiz.domain.text import check_text, division_code, optional_text, required_text
from govbiz.errors import ValidationError

__all__ = [
    "Contact",
    "Enterprise",
    "SealedContacts",
    "mask_address",
    "mask_contact",
    "mask_name",
    "mask_personal",
    "mask_phone",
    "mask_phones_in",
    "seal_contacts",
]

#: A phone number as an address: digits, spaces and + - ( ), at least seven digits.
_PHONE = re.compile(r"\+?\d[\d ()\-]{5,}\d")
#: A phone number inside a text: a mainland mobile (+86 138 1234 5678), a landline with its
#: area code (0744-8223456), or seven digits or more in a row; not dates, nor problem numbers.
_PHONE_IN_TEXT = re.compile(
    r"(?<![\w+\-])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{4}){2}(?![\w\-])"
    r"|(?<![\w\-])0\d{2,3}-\d{7,8}(?![\w\-])"
    r"|(?<![\w\-])\+?\d{7,}(?![\w\-])"
)
_EMAIL = re.compile(r"^([^@\s]+)@([^@\s]+)$")


def mask_name(name: str) -> str:
    """Keep the first character of a name and mask the rest: 施奕清 -> 施**."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits: 13812345678 -> 138****5678."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_address(address: str) -> str:
    """A notification address with what identifies a person masked.

    A phone number keeps its first three and last four digits
    (`+8613812345678` -> `+86*******5678`), an e-mail address the first
    character of its mailbox (`shi.yq@example.com` -> `s*****@example.com`);
    anything else (a department's name, a robot's name) is returned as it is.
    """
    email = _EMAIL.match(address)
    if email is not None:
        return f"{mask_name(email.group(1))}@{email.group(2)}"
    digits = sum(ch.isdigit() for ch in address)
    if digits >= 7 and _PHONE.fullmatch(address.strip()):
        return mask_phone(address)
    return address


def mask_phones_in(text: str) -> str:
    """`text` (an error message, a log line) with every phone number in it masked."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


def mask_contact(contact: Mapping[str, Any]) -> dict[str, Any]:
    """A contact as plain data (an event's payload, a form) with its name and phone masked."""
    masked = dict(contact)
    for field in ("name", "phone"):
        if field in masked:
            masked[field] = mask_personal(field, masked[field])
    return masked


def mask_personal(field: str, value: Any) -> Any:
    """`value` of a contact's `field` (or contacts, as data) masked for a message or a log line.

    A phone number keeps its first three and last four digits, any other text
    its first character; a contact (as data or as a `Contact`) and a list of
    them are masked field by field.
    """
    if isinstance(value, Contact):
        return value.masked()
    if hasattr(value, "model_dump"):  # a pydantic contact (govbiz.commands.ContactIn)
        value = value.model_dump()
    if isinstance(value, Mapping):
        return mask_contact(value)
    if isinstance(value, list | tuple):
        return [mask_personal(field, item) for item in value]
    if isinstance(value, str):
        return mask_phone(value) if field == "phone" else mask_name(value)
    return value


def _personal(validator: Any) -> Any:
    """`validator` whose error shows the value masked: a contact's name or phone is personal data."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        try:
            validator(instance, attribute, value)
        except ValidationError as exc:
            shown = mask_personal(attribute.name, value)
            raise ValidationError(exc.field, shown, exc.reason) from None

    return check


def _phone(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_text(attribute.name, value, max_length=32, required=False)
    if not set(value) <= set("0123456789+- ()"):
        raise ValidationError(attribute.name, value, "may contain only digits, spaces and + - ( )")


@attrs.frozen(slots=True, repr=False)
class Contact:
    """An enterprise's contact person (企业联系人): name, phone and position."""

    name: str = attrs.field(validator=_personal(required_text(100)))
    phone: str = attrs.field(default="", validator=_personal(_phone))
    position: str = attrs.field(default="", validator=optional_text())

    def masked(self) -> dict[str, str]:
        """Name, phone and position with name and phone masked, safe for logs and exports."""
        return {"name": mask_name(self.name), "phone": mask_phone(self.phone), "position": self.position}

    def revealed(self) -> dict[str, str]:
        """Name, phone and position in full: only when the caller asks for personal data."""
        return {"name": self.name, "phone": self.phone, "position": self.position}

    def __repr__(self) -> str:
        masked = self.masked()
        return f"Contact(name={masked['name']!r}, phone={masked['phone']!r}, position={self.position!r})"

    __str__ = __repr__


def _code_or_pending(code: str) -> str:
    """A valid credit code, normalised; or `""` for an enterprise 待核实 (checked with `code_as_written`)."""
    return validate_credit_code(code) if code else ""


@attrs.frozen(slots=True)
class Enterprise:
    """A private enterprise (民营企业) that raises problems.

    `credit_code` is its unified social credit code (统一社会信用代码),
    validated with its check character; `county` is the division whose
    ledger it belongs to.

    An enterprise imported from a ledger whose code was missing (无, /),
    cut by Excel or wrong is registered as 待核实 (`pending`): its
    `credit_code` is empty and `code_as_written` keeps the cell as the file
    wrote it, for a clerk to follow up.
    """

    id: str
    county: str = attrs.field(validator=division_code)
    name: str = attrs.field(validator=required_text(200))
    credit_code: str = attrs.field(converter=_code_or_pending)
    contacts: tuple[Contact, ...] = ()
    industry: str = attrs.field(default="", validator=optional_text())
    code_as_written: str | None = attrs.field(default=None)

    @code_as_written.validator
    def _pending_has_no_code(self, attribute: attrs.Attribute[Any], value: str | None) -> None:
        if (value is None) == (not self.credit_code):
            raise ValidationError(
                "credit_code", self.credit_code,
                "is required, unless the enterprise is 待核实 (code_as_written)",
            )

    @property
    def pending(self) -> bool:
        """Whether the enterprise is 待核实: registered without a valid credit code."""
        return self.code_as_written is not None
    #: The digest committing to the contacts (`seal_contacts`), as the registration event records it.
    contacts_seal: str = ""
    #: The salt of `contacts_seal`, beside the contacts while they are in clear (empty once sealed).
    contacts_salt: str = attrs.field(default="", repr=False)
    #: The contacts encrypted at rest; `contacts` is then empty until they are opened.
    sealed_contacts: SealedContacts | None = None

    @property
    def holds_contacts(self) -> bool:
        """Whether contacts are kept, in clear or sealed (not: none registered, or purged)."""
        return bool(self.contacts) or self.sealed_contacts is not None

    def withheld(self) -> Enterprise:
        """This enterprise without its contacts in clear: what a query shows (reveal them with a command)."""
        if not self.contacts and not self.contacts_salt:
            return self
        return attrs.evolve(self, contacts=(), contacts_salt="")


@attrs.frozen(slots=True)
class SealedContacts:
    """An enterprise's contacts encrypted at rest (加密的联系人): what the database holds of them.

    `algorithm` and `key_id` name the cipher and the key of the ring
    (`govbiz.contact_keys.KeyRing`) that sealed them, so a key can be
    rotated and older ciphertexts still opened; `nonce` and `data` are
    base64.  The ciphertext is bound to its enterprise's id: moved to
    another enterprise it does not open.
    """

    algorithm: str
    key_id: str
    nonce: str
    data: str = attrs.field(repr=lambda data: f"<{len(data)} base64 characters>")


def seal_contacts(contacts: tuple[Contact, ...], salt: str) -> str:
    """The digest that commits to `contacts` (联系人封存摘要): SHA-256 of the salt and the contacts.

    The registration event carries this digest instead of the contacts. The
    random `salt` (kept with the contacts, so encrypted with them) keeps a
    guessable phone number from being found by hashing every number; once
    the contacts and their salt are purged, the digest tells nothing.
    """
    if not contacts:
        return ""
    body = json.dumps(
        [c.revealed() for c in contacts], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return "sha256:" + hashlib.sha256(bytes.fromhex(salt) + body.encode()).hexdigest()
