"""Views of the visas app: thin; rules live in actions.py and services."""
