"""The demo installation: Central Java agencies, accounts and eighteen months of reports.

`world` builds organizations and people, `stories` builds reports through the real
intake and lifecycle, `synthetic` bulk-loads reports for load testing, `texts` holds the
Indonesian demo texts.
"""
