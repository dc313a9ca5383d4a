"""The ``parley`` console script: Flask's CLI around create_app, with our own ``run``.

Kept apart from app/cli.py because it imports the factory, which itself
registers the commands in cli.py.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from app import create_app
from app.cli import run_command

__all__ = ["main", "parley_version"]


def parley_version() -> str:
    try:
        return version("parley")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def main() -> None:
    group = FlaskGroup(
        create_app=create_app,
        add_default_commands=False,
        add_version_option=False,
        help="Parley: civic deliberation surveys. Run 'parley run' to start.",
    )
    click.version_option(parley_version(), "--version", prog_name="Parley",
                         message="%(prog)s %(version)s")(group)
    for command in (run_command, shell_command, routes_command):
        group.add_command(command)
    group(prog_name="parley", args=sys.argv[1:])
