"""Deployment assets: the local stack, compose and Kubernetes support files."""
