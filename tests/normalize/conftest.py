"""The family and unseen-class fixture files read once a session: several modules assert on the same reads."""

from __future__ import annotations

import pytest

from tests.helpers import cached_reads


@pytest.fixture(scope="session")
def family_reads(family_files):
    return cached_reads(family_files)


@pytest.fixture(scope="session")
def unseen_class_reads(unseen_class_files):
    return cached_reads(unseen_class_files)
