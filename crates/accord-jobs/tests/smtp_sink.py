"""A real SMTP server for Accord's tests, on aiosmtpd (Debian's
python3-aiosmtpd): it accepts every message and writes each, as received,
to its own file in the folder given, then prints `ready PORT` once
listening.

    python3 smtp_sink.py --port PORT --dir FOLDER [--delay SECONDS]

--delay waits that long after writing a message before answering 250, so
a test can kill the sender while it waits: the server has the message but
the sender never heard that it was accepted. A recipient whose address
starts with `refused` is refused with a permanent 550.
"""

import argparse
import asyncio
import os
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, delay):
        self.folder = folder
        self.delay = delay
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = "%020d-%06d-%d.eml" % (time.time_ns(), self.count, os.getpid())
        partial = os.path.join(self.folder, name + ".part")
        with open(partial, "wb") as f:
            f.write(("X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write(envelope.original_content or envelope.content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(partial, os.path.join(self.folder, name))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    controller = Controller(Sink(args.dir, args.delay), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready %d" % args.port, flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin or kills us
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
