"""The project's vocabulary, defined once: instants, distances on the Earth, levels, kinds and scopes. Pure."""
