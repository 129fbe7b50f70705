-- Search pushdown: JSONPath filters become `doc @? 'strict $ ? (...)'` tests, which this GIN
-- index serves for equality on member chains (jsonb_path_ops: one hash per path and value, about
-- a third of the size of the default jsonb_ops). Rows whose TD jsonb could not hold (doc NULL)
-- are always kept by such a search; the partial index finds them without a scan.
CREATE INDEX things_doc ON things USING gin (doc jsonb_path_ops);
CREATE INDEX things_doc_null ON things (id) WHERE doc IS NULL;
