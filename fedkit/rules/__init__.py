"""The node's rules, pure where possible, asked by every surface: who may see what (policy),
who receives a post (audience), who may change what (authority), the federation policy,
OAuth scopes, the outbound-address guard, the group registry."""
