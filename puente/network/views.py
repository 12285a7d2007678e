"""Views of the network app: thin; rules live in actions.py and services."""
