"""Others' fact-checks in and out: ClaimReview import and export, and a Google-compatible search."""
