"""The Textual drill application, where people play incident roles against the engine (to come)."""
