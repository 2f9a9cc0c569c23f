"""Test data: the seeded province (``testkit.province``) and synthetic identities
(``testkit.synthetic``) that the demo, the load tests, the benchmarks and the tests share.

Not part of the services: ``shared/`` and ``services/`` never import it. It may import
them (the expected alerts are routed by the alerts service's policy).
"""
