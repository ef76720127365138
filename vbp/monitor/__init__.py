"""Procurement monitoring (采购使用监测): order lines in, every figure and flag of the 监测通报 out.

One core for the offline tool ``vbp monitor`` and the web system: ``read`` checks and types the input,
``figures`` runs the one set of SQL statements (DuckDB) that computes every figure, ``report`` writes
the workbook. docs/monitoring.md is the contract.
"""
