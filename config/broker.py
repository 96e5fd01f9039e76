"""kombu's filesystem transport (the quick-start broker), with messages written atomically.

kombu's own `_put` writes a message file in place, while a consumer's `_get` renames any file
with the queue's suffix out of the folder and reads it: a consumer that comes by mid-write gets
an empty or partial file, fails to decode it and stops the worker, and the message is gone
(kombu#1551 reports the error). Here a message is written under a name no consumer looks at and
renamed into place when complete; a rename within one folder is atomic.
"""

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.json import dumps


class FilesystemChannel(filesystem.Channel):
    # kombu's stubs give the virtual and filesystem channels different _put signatures; this is
    # filesystem.Channel's.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        # Same final name as kombu's (creation time first, so consumers take messages in order).
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f"partial-{uuid.uuid4()}")  # no ".<queue>.msg" suffix
        try:
            with open(partial, "wb") as out:
                out.write(dumps(payload).encode())
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class FilesystemTransport(filesystem.Transport):
    Channel = FilesystemChannel


def register() -> None:
    """Make `filesystem://` broker URLs use FilesystemTransport in this process."""
    TRANSPORT_ALIASES["filesystem"] = "config.broker:FilesystemTransport"
