"""Every write, one module per area (articles, claims, evidence; tokens live in
`claims.accounts.services`). Each function is one transaction: the change, the claim's new
`version` and its history event commit together or not at all, whoever calls it (API, admin,
shell, commands).

Claims are locked with SELECT ... FOR UPDATE before their version is compared, so two writers
holding the same version can never both succeed; the unique (claim, version) index on the history
is the database's own guarantee of the same.
"""
