"""Views of the locate app: thin; rules live in actions.py and services."""
