"""Working from scripts and notebooks: warnings at the user's line, the progress display in
Jupyter, and compilation shown as its own phase."""
