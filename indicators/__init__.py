"""ROAM-X indicators: the catalogue as data, derived series, scoring, robustness, methodology.

roamwatch's scores are proxies computed from public international data, organised by UNESCO's
ROAM-X categories and themes (framework version 2019); they are not UNESCO assessments.
"""
