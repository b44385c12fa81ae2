"""The HTTP API: Flask blueprints. Only this package and the app factory import Flask."""
