"""The fuzz tests together send at least MIN_REQUESTS malformed requests.

Each family's test fails unless it sent its own minimum (Fuzzer.check), so the sum of
the minimums is what a passing run sends at the least, whatever runs first or alone."""

from pathlib import Path

from .fuzzer import FAMILIES, MIN_REQUESTS

HERE = Path(__file__).parent


def test_every_family_has_its_module():
    missing = [name for name in FAMILIES if not (HERE / f"test_{name}.py").is_file()]
    assert not missing, f"no tests/fuzz/test_<name>.py for {missing}"


def test_the_families_together_send_at_least_2000_malformed_requests():
    total = sum(family.minimum for family in FAMILIES.values())
    assert total >= MIN_REQUESTS, {name: family.minimum for name, family in FAMILIES.items()}
