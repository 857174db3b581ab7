"""The search service: the node's full-text index (tantivy) of posts, people and communities."""
