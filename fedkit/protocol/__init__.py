"""ActivityPub as it is spoken: AS2 vocabulary, HTTP signatures, JSON input, actors and
their keys, ids, Tombstones, collections."""
