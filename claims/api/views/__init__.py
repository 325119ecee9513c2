"""HTTP in and out, nothing else: parse and validate the request, call one selector or service,
render the result. Rules live in `claims.services`, reads in `claims.selectors`."""
