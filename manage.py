#!/usr/bin/env python
"""Same as the `puente` console script, for people used to ./manage.py."""
from puente.manage import main

if __name__ == "__main__":
    main()
