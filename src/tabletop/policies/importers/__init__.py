"""Importers: vendor on-call configurations (PagerDuty, Grafana OnCall, Opsgenie) translated into policies."""
