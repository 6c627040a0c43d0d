"""Email addresses and host names of the digest, checked once, the way delivery will use them.

:func:`parse_mailbox` reads exactly one address (``Name <someone@example.org>`` or
``someone@example.org``) with the email package's RFC 5322 parser and refuses anything else:
two addresses, stray text, control or invisible characters, over-long parts. An
internationalised domain becomes its ASCII form (``xn--...``, IDNA 2008), which every server
accepts; a non-ASCII name before the ``@`` can only travel with SMTPUTF8, which the run asks
for and the server must offer (:attr:`Mailbox.needs_smtputf8`). A non-ASCII display name is
fine: the header carries it as an RFC 2047 encoded word.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from email.policy import default
from email.utils import getaddresses

from trialfinder.errors import InvalidInput

MAX_LOCAL_PART = 64  # RFC 5321 4.5.3.1
MAX_ADDRESS = 254  # RFC 5321 path, less the angle brackets
MAX_HOST = 253
MAX_LABEL = 63
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
# Unicode categories that have no place in an address or a header: controls (C0, C1),
# format characters (bidi overrides, zero-width joiners), line and paragraph separators,
# private-use, surrogates and unassigned code points.
_FORBIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_CONTROL_NAMES = {
    "\0": "null",
    "\t": "tab",
    "\n": "line feed",
    "\v": "vertical tab",
    "\f": "form feed",
    "\r": "carriage return",
    "\x1b": "escape",
    "\x7f": "delete",
}


@dataclass(frozen=True)
class Mailbox:
    """One checked address: the display name, and the parts as they travel (ASCII domain)."""

    name: str
    local_part: str
    domain: str  # ASCII: an internationalised domain is kept as its A-label

    @property
    def address(self) -> str:
        """The address of the SMTP envelope, e.g. ``someone@xn--exmple-cua.org``."""
        return self.header(with_name=False).addr_spec

    @property
    def needs_smtputf8(self) -> bool:
        return not self.local_part.isascii()

    def header(self, with_name: bool = True) -> Address:
        return Address(
            display_name=self.name if with_name else "",
            username=self.local_part,
            domain=self.domain,
        )


def forbidden_character(text: str) -> str | None:
    """A description of the first control or invisible character in ``text``, if any."""
    for index, char in enumerate(text):
        if unicodedata.category(char) in _FORBIDDEN:
            name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "control").lower()
            return f"U+{ord(char):04X} ({name}) at position {index + 1}"
    return None


def parse_mailbox(text: str) -> Mailbox:
    """Exactly one address; raises :class:`InvalidInput` saying what is wrong with it."""
    example = "write one address, e.g. 'Name <someone@example.org>'"
    bad = forbidden_character(text)
    if bad:
        raise InvalidInput(f"{text!r} contains a control or invisible character: {bad}")
    text = text.strip()
    try:
        header = default.header_factory("To", text)
        groups = header.groups
    except Exception:  # the parser raises IndexError, HeaderParseError...
        raise InvalidInput(f"{text!r} is not an email address ({example})") from None
    addresses = [address for group in groups for address in group.addresses]
    # The lenient reader counts what a strict one would stop at: "<a@x.org> <b@x.org>".
    found = [address for _, address in getaddresses([text]) if re.fullmatch(".+@.+", address)]
    count = max(len(addresses), len(groups), len(found))
    if count > 1:
        raise InvalidInput(
            f"{text!r} holds {count} addresses, not one",
            hint="write each address as its own entry of the list; "
            'a name with a comma goes in double quotes: "Last, First" <someone@example.org>',
        )
    defects = [d for d in header.defects if type(d).__name__ != "NonASCIILocalPartDefect"]
    if (
        not addresses
        or defects
        or groups[0].display_name is not None
        or not addresses[0].username
        or not addresses[0].domain
    ):
        raise InvalidInput(f"{text!r} is not an email address ({example})")
    parsed = addresses[0]
    if parsed.domain.startswith("["):
        raise InvalidInput(f"{text!r}: write a domain name after the @, not an IP address")
    if len(parsed.username.encode()) > MAX_LOCAL_PART:
        raise InvalidInput(f"{text!r}: the part before the @ is longer than {MAX_LOCAL_PART} bytes")
    try:
        domain = ascii_host(parsed.domain, allow_ip=False)
    except InvalidInput as exc:
        raise InvalidInput(f"{text!r}: the domain {exc.message}") from None
    mailbox = Mailbox(parsed.display_name, parsed.username, domain)
    if len(mailbox.address.encode()) > MAX_ADDRESS:
        raise InvalidInput(f"{text!r} is longer than {MAX_ADDRESS} bytes")
    return mailbox


def odd_domain(mailbox: Mailbox) -> str:
    """What is odd in a recipient's domain, which `digest check` notes (a refusal would stop
    every recipient's digest): a "_", which no mail domain has ("user@e_x.org", a typo of
    "-"), or one part only ("user@localhost": a mailbox on the SMTP server's own machine, or a
    domain left unfinished); else ""."""
    if "_" in mailbox.domain:
        return "has a '_', which no mail domain has"
    if "." not in mailbox.domain:
        return (
            "is of one part: right for a mailbox on the SMTP server's own machine, else finish it"
        )
    return ""


def ascii_host(text: str, allow_ip: bool = True) -> str:
    """A host name in ASCII (IDNA 2008 for an internationalised one), or an IP address."""
    bad = forbidden_character(text)
    if bad:
        raise InvalidInput(f"{text!r} contains a control or invisible character: {bad}")
    text = text.strip()
    if allow_ip:
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            pass
    host = text.rstrip(".")
    if not host.isascii():
        import idna

        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise InvalidInput(f"{text!r} is not a valid host name: {exc}") from None
    if len(host) > MAX_HOST:
        raise InvalidInput(f"{text!r} is not a valid host name: longer than {MAX_HOST} characters")
    for label in host.split("."):
        if not _LABEL.fullmatch(label):
            why = (
                f"a part is longer than {MAX_LABEL} characters"
                if len(label) > MAX_LABEL
                else f"{label[:20]!r}: each part is letters, digits and inner hyphens"
            )
            raise InvalidInput(f"{text!r} is not a valid host name ({why})")
    return host
