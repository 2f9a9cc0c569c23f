"""nameko extensions the services share (this package imports nameko and eventlet)."""
