"""The streaming server: Mastodon's ``/api/v1/streaming`` over WebSocket
(docs.joinmastodon.org/methods/streaming/), its own process beside the node's services."""
