import subprocess
import sys

from binational import __version__
from binational.cli import main


def test_version_and_help():
    out = subprocess.run(
        [sys.executable, "-m", "binational.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert __version__ in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "binational.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert "regions" in out.stdout


def test_regions_command(capsys):
    assert main(["regions"]) == 0
    assert "tijuana-san-diego" in capsys.readouterr().out
