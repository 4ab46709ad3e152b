"""Local stand-ins of the upstream APIs: small threaded HTTP servers on 127.0.0.1 that speak each
source's real format (pagination, error payloads, faults on demand).

The test suite runs every collector against them, and ``roamwatch demo`` fills a data directory
from them without network; they ship with roamwatch so the demo needs no test extras. Nothing on
the production path imports them.
"""
