"""Every read of the API. Each returns a queryset that fetches all its response needs in a constant
number of queries, whatever the page size: one for the rows, one per prefetched relation."""
