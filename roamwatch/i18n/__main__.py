"""``python -m roamwatch.i18n``: see :mod:`roamwatch.i18n.tools`."""

import sys

from roamwatch.i18n.tools import main

sys.exit(main())
