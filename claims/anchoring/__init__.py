"""Where a quote stands in a text: pure functions of strings, no database."""
