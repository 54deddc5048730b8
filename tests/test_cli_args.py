"""One list convention across commands, and impossible values refused by argparse (exit 2)."""

from __future__ import annotations

import pytest

from binational.cli import build_parser

# commands with a list of minutes, and the arguments they need besides
MINUTES = {
    "catchments": ["catchments", "juarez-el-paso", "--out", "o"],
    "batch": ["batch", "--out", "o"],
}
# commands with an hour of day
HOUR = {
    "catchments": ["catchments", "juarez-el-paso", "--out", "o"],
    "batch": ["batch", "--out", "o"],
    "commuting": ["commuting", "tijuana-san-diego", "--out", "o"],
}


@pytest.fixture(scope="module")
def parser():
    return build_parser()


def _refused(parser, argv, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("command", list(MINUTES))
@pytest.mark.parametrize(
    "form",
    [["15", "30", "45"], ["15,30,45"], ["15,30", "45"], ["15, 30 ,45"]],
    ids=["spaces", "commas", "mixed", "padded"],
)
def test_minutes_lists_read_the_same_in_every_command(parser, command, form):
    args = parser.parse_args([*MINUTES[command], "--minutes", *form])
    assert args.minutes == [15.0, 30.0, 45.0]


@pytest.mark.parametrize("command", list(MINUTES))
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "0", "-5", "x", "15,nan", ","])
def test_minutes_must_be_finite_and_positive(parser, command, bad, capsys):
    err = _refused(parser, [*MINUTES[command], "--minutes", bad], capsys)
    assert "--minutes" in err and "Traceback" not in err


@pytest.mark.parametrize("command", list(HOUR))
@pytest.mark.parametrize("bad", ["24", "25", "-1", "7.5", "seven"])
def test_hour_is_0_to_23(parser, command, bad, capsys):
    err = _refused(parser, [*HOUR[command], "--hour", bad], capsys)
    assert "--hour" in err


@pytest.mark.parametrize("command", list(HOUR))
@pytest.mark.parametrize("good", [0, 23])
def test_hour_bounds_are_kept(parser, command, good):
    assert parser.parse_args([*HOUR[command], "--hour", str(good)]).hour == good


@pytest.mark.parametrize("bad", ["0", "13", "-1", "june"])
def test_month_is_1_to_12(parser, bad, capsys):
    err = _refused(parser, [*MINUTES["catchments"], "--month", bad], capsys)
    assert "--month" in err


@pytest.mark.parametrize("bad", ["7", "-1", "99"])
def test_weekday_is_0_to_6(parser, bad, capsys):
    err = _refused(parser, [*MINUTES["catchments"], "--weekday", bad], capsys)
    assert "--weekday" in err


def test_month_and_weekday_bounds_are_kept(parser):
    args = parser.parse_args([*MINUTES["catchments"], "--month", "12", "--weekday", "6"])
    assert (args.month, args.weekday) == (12, 6)
    args = parser.parse_args([*MINUTES["catchments"], "--month", "1", "--weekday", "0"])
    assert (args.month, args.weekday) == (1, 0)


@pytest.mark.parametrize(
    ("argv", "dest", "expected"),
    [
        (["batch", "--out", "o", "--regions", "a,b", "c"], "regions", ["a", "b", "c"]),
        (["batch", "--out", "o", "--tasks", "load", "grid"], "tasks", ["load", "grid"]),
        (
            ["catchments", "x", "--out", "o", "--close-port", "2504,2506"],
            "close_port",
            [2504, 2506],
        ),
        (["concentration", "x", "--scopes", "US", "MX"], "scopes", ["US", "MX"]),
        (
            ["concentration", "x", "--indices", "gini,dissimilarity"],
            "indices",
            ["gini", "dissimilarity"],
        ),
        (
            ["commuting", "x", "--out", "o", "--close-lane", "2504:ready,250401:sentri"],
            "close_lane",
            ["2504:ready", "250401:sentri"],
        ),
    ],
)
def test_other_lists_take_both_forms(parser, argv, dest, expected):
    assert getattr(parser.parse_args(argv), dest) == expected


def test_list_choices_are_checked_after_splitting(parser, capsys):
    err = _refused(parser, ["fetch", "x", "--sources", "not-a-role"], capsys)
    assert "not-a-role" in err


def test_defaults_are_lists(parser):
    assert parser.parse_args(MINUTES["batch"]).minutes == [15, 30, 45, 60]
    assert parser.parse_args(MINUTES["catchments"]).minutes == [30, 60, 90, 120, 150, 180]
