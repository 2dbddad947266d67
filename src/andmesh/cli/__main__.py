"""`python -m andmesh.cli` runs the `andmesh` command."""

from andmesh.cli.app import main

main()
