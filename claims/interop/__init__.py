"""ClaimReview and the other shapes in which verdicts travel to and from other fact-checkers."""
