"""What every service runs on: configuration, database and queue set-up, HTTP clients,
the internal transport and identity headers, responses, logs, time, the key vault, and the
one state-machine engine."""
