"""Use cases: each function owns its one transaction; the CLI, the API, the jobs and the replay call them."""
