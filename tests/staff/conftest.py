import pytest

from tests.support import staff_site


@pytest.fixture
def site(tmp_path):
    """The staff pages on a free port over a copy of the shipped catalogue (tests/support/staff_site.py)."""
    yield from staff_site.serve(tmp_path)
