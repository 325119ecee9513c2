"""The public reader pages: a column with its published verdicts in place, and one verdict."""
