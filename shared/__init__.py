"""Code the WageWatch services share: the public contract, validators, storage and masking.

Nothing under ``shared`` imports eventlet or nameko except ``shared.nameko``, so load
tests (gevent) and tools can import the contract safely.
"""
