"""ClaimReview in and out, and the Google-compatible search: the shapes in which verdicts travel."""
