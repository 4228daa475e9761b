"""Policies: decisions made from the twin only."""
