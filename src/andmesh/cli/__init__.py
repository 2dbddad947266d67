"""The `andmesh` command: thin Typer + Rich shells over the facade."""
