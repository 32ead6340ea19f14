"""What scenario and policy files share: YAML with positions, field types, distributions, located errors."""
