"""The seeded province: one generator for ``wagewatch demo``, the load tests and the
benchmark (plain Python: no eventlet, nameko or kombu, so locust's gevent process can
import it).

    province = generate(ProvinceSpec(as_of=date(2026, 11, 23), counties=3, projects_per_county=4))
    for env in province.messages():      # contract envelopes, lazily, in a valid order
        ...
    province.expected_alerts            # Counter of (department, division, type, project_code)
"""
from testkit.province.generator import Province, SeedProject, generate
from testkit.province.spec import VIOLATIONS, ProvinceSpec

__all__ = ["Province", "ProvinceSpec", "SeedProject", "VIOLATIONS", "generate"]
