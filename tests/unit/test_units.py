import pytest

from sim.units import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("90s", 0.025),
        ("15min", 0.25),
        ("2h", 2.0),
        ("3d", 72.0),
        ("1w", 168.0),
        ("1.5h", 1.5),
        (" 2 d ", 48.0),
    ],
)
def test_parse_duration(text: str, hours: float) -> None:
    assert parse_duration(text) == pytest.approx(hours)


@pytest.mark.parametrize("text", ["", "2", "h", "2 hours", "-1h", "2x", "1e3h"])
def test_unparseable_duration_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize("hours", [0.25, 1.0, 36.0, 48.0, 168.0, 1 / 3600])
def test_format_round_trips(hours: float) -> None:
    assert parse_duration(format_duration(hours)) == pytest.approx(hours)
