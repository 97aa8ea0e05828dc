import sys

from stridemon.cli import main

sys.exit(main())
