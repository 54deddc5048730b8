"""Logging helper: library code logs, it never prints."""

from __future__ import annotations

import logging

LOGGER_NAME = "binational"


def get_logger(name: str = LOGGER_NAME) -> logging.Logger:
    """Return a logger under the ``binational`` namespace."""
    if not name.startswith(LOGGER_NAME):
        name = f"{LOGGER_NAME}.{name}"
    return logging.getLogger(name)


logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())
