"""Searching the directory's thing descriptions (WoT Discovery ``/search/*``).

Each query language gets one module that turns the query text into a plan the stores can run
without loading every TD: ``jsonpath`` (RFC 9535) decides whether a query can be answered one TD
at a time and which indexed columns narrow the candidates. The modules know nothing of HTTP or
SQL; stores and routes consume the plans.
"""
