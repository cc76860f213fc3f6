"""Everything that writes: master data, campaign files, report ingestion, templates, demo data.

Data flows one way: file → loaders → DuckDB → queries → pages.
"""
