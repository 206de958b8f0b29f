"""Where a letter goes: the recipient and every address its data may copy it to.

An approval covers the envelope as well as the PDF's bytes, so that a letter never goes to an
address nobody approved: a changed address needs a new approval of that letter, not a rebuild.
The envelope holds every Cc field of the data (`send --cc FIELD` names them), whether or not a
run copies to it, so that `status` and `send` judge an approval the same way. An address given
to `send --cc` as such is the sender's own, the same for every letter, and shown before sending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lgsco_letters.data.addresses import visible_address
from lgsco_letters.data.fields import COPY_ROLES
from lgsco_letters.data.models import Authority

CC_FIELDS = tuple(COPY_ROLES.values())  # data fields `send --cc` may name instead of an address


@dataclass(frozen=True)
class Envelope:
    recipient: str
    copies: tuple[tuple[str, str], ...]  # (field, address) for each Cc field with an address

    @classmethod
    def of(cls, authority: Authority) -> Envelope:
        copies = tuple((name, value) for name in CC_FIELDS
                       if (value := getattr(authority, name, "") or ""))
        return cls(authority.recipient.email, copies)

    @classmethod
    def from_columns(cls, recipient: str | None, cc: str | None) -> Envelope | None:
        """As the ledger holds it; None for an approval from before approvals covered it."""
        if recipient is None or cc is None:
            return None
        try:
            copies = json.loads(cc)
        except ValueError:
            return None
        if not isinstance(copies, dict):
            return None
        return cls(recipient, tuple(sorted((str(k), str(v)) for k, v in copies.items() if v)))

    def cc_column(self) -> str:
        return json.dumps(dict(self.copies), sort_keys=True, ensure_ascii=False)

    def copy(self, field: str) -> str:
        return dict(self.copies).get(field, "")

    def same_as(self, other: Envelope) -> bool:
        return self.recipient == other.recipient and sorted(self.copies) == sorted(other.copies)

    def describe(self) -> str:
        """`to ADDRESS; FIELD ADDRESS...`, as approve and status show it: each address as a
        person must see it to tell it from another that looks the same."""
        return "; ".join([f"to {visible_address(self.recipient)}",
                          *(f"{name} {visible_address(address)}"
                            for name, address in self.copies)])

    def as_dict(self) -> dict[str, object]:
        return {"to": self.recipient, "cc": dict(self.copies)}
