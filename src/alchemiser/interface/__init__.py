"""What a person touches: the Typer CLI, Rich rendering and HTML reports."""
