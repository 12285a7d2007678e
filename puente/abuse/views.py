"""Views of the abuse app: thin; rules live in actions.py and services."""
