"""Who is asking: API tokens, authentication, roles and what each role may do."""
