"""The ``wagewatch`` operator command: run the platform, sweep, tail alerts, demo."""
