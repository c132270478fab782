"""The review desk: `jixiao serve` shows each report's values beside the page they came from, lets a
person triage findings and correct values, and keeps every change in its own table."""

from __future__ import annotations

from .app import create_app, is_loopback

__all__ = ["create_app", "is_loopback"]
