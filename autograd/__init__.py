"""npgrad\x27s autograd engine."""
