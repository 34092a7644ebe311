"""What crossaudit writes is readable by its owner only: stores, exports, reports, pages, the
quarantine export. One process-wide setting, made where a run starts (the CLI):

    owner_only()
    Path("case.xlsx").write_bytes(…)      # -rw------- whatever the user's umask was
"""
from __future__ import annotations

import os

OWNER_ONLY = 0o077  # the umask: files 0o600, folders 0o700


def owner_only() -> None:
    """From now on, files and folders this process creates are its owner's only."""
    os.umask(OWNER_ONLY)
