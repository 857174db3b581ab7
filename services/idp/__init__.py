"""The group's built-in OpenID Connect provider (the demo's identity provider).

Its own public service (own base URL, own database holding the group directory), not
behind a node gateway. Nodes are its registered clients; the same node code works
against any standard provider (Keycloak, Entra ID, Okta) by its discovery URL.
"""
