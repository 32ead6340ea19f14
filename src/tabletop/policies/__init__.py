"""The response: policy files (tiers, rotations, escalation, routing), the roster calendar, importers and lint."""
