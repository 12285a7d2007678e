"""Views of the billing app: thin; rules live in actions.py and services."""
