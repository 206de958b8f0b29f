"""How fast does `bounces` read a mailbox, and how flat is its memory? Prints figures; asserts
nothing.

    .venv/bin/python benchmarks/bounces.py [--messages 10000] [--reports 350]

An mbox of ordinary messages (each with a 50 KB attachment) and delivery status notifications
(one per council of a year, each returning its letter's headers), read and matched as
`bounces --mbox` reads them, against a ledger's worth of deliveries: the rate, and the peak of
Python's allocations (tracemalloc) against the file's size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers.notifications import notification, write_mbox  # noqa: E402
from lgsco_letters.mail.bounces import Matching, Tally  # noqa: E402
from lgsco_letters.mail.dsn import read_notice  # noqa: E402
from lgsco_letters.mail.ledger_records import Delivery  # noqa: E402
from lgsco_letters.mail.ledger_schema import SendStatus  # noqa: E402
from lgsco_letters.mail.mailboxes import mbox  # noqa: E402

ORDINARY = (b"From: colleague@lgo.example.org\r\nSubject: Minutes\r\nContent-Type: "
            b"application/pdf\r\n\r\n" + b"x" * 50_000 + b"\r\n")


def deliveries(count: int) -> list[Delivery]:
    return [Delivery(n, f"council-{n}", f"Council {n}", f"ce@council-{n}.example.org", "",
                     "0" * 64, f"<letter-{n}@lgo.example.org>", SendStatus.SENT, 1, "250 OK", "",
                     None, None, None, 0, None) for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=350)
    args = parser.parse_args()
    sent = deliveries(args.reports)
    with tempfile.TemporaryDirectory() as folder:
        reports = [notification("postfix", message_id=d.message_id, recipient=d.recipient,
                                subject=f"Annual Review letter 2018 \u2013 {d.authority}")
                   for d in sent]
        path = write_mbox(Path(folder) / "bounces.mbox", [ORDINARY] * args.messages + reports)
        size = path.stat().st_size
        matching = Matching(sent, {d.slug: f"Annual Review letter 2018 \u2013 {d.authority}"
                                   for d in sent})
        tracemalloc.start()
        started = time.perf_counter()
        tally = Tally()
        for stored in mbox(path):
            tally.add(stored.where, read_notice(stored.data, stored.truncated), matching)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"mbox: {tally.read} messages, {size / 1e6:.0f} MB")
    print(f"read and matched in {seconds:.1f} s: {tally.read / seconds:.0f} messages/s, "
          f"{size / 1e6 / seconds:.0f} MB/s")
    print(f"bounces found: {len(tally.reports)} of {args.reports}")
    print(f"peak allocations: {peak / 1e6:.1f} MB ({peak / size:.1%} of the file)")


if __name__ == "__main__":
    main()
