"""The API's endpoints, one module per audience: agents' accounts, dialers, supervisors' flags, events, admin."""
