"""Test support: the synthetic case generator, live-server fixtures and shared constants."""
