"""The public AMQP contract (version 1) as code: topology, envelope, payloads, receipts, alerts.

Importable without eventlet or nameko: county clients, load tests and tools use it too.
"""
