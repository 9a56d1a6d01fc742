"""The ``jesse-dag`` command line (click)."""
from __future__ import annotations

import click


@click.group()
def main() -> None:
    """jesse-dag: research pipeline for Jesse-style strategies."""


@main.command()
def demo() -> None:
    """Run the whole pipeline on built-in synthetic data and print where the results are."""
    click.echo("demo: not built yet")
