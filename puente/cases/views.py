"""Views of the cases app: thin; rules live in actions.py and services."""
