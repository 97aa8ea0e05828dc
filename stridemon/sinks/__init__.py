"""Consumers of pipeline output: summary, recorder, alerts, reports. They never call upstream."""
