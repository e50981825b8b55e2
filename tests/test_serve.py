"""bot.adapters.serve: STODLOTSEN_SPEEDUPS=0 runs stock Rasa (the benchmark's comparison)."""
import pytest

from bot.adapters.serve import speedups_wanted


@pytest.mark.parametrize("value, wanted", [(None, True), ("1", True), ("ja", True), ("0", False), ("false", False),
                                           (" OFF ", False), ("nej", False)])
def test_speedups_switch(value, wanted):
    assert speedups_wanted({} if value is None else {"STODLOTSEN_SPEEDUPS": value}) is wanted
