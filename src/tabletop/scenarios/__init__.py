"""The world: scenario files (teams, people, services, incident types, drill injects) and the bundled library."""
