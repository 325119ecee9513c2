"""Every read, one module per area. Each fetches all its response needs in a constant number of
queries, whatever the page size: one for the rows, one per related list (and for a search, once a
minute, the planner's estimate)."""
