"""The old name of :mod:`lossbook.frameworks`, kept so that existing imports keep working.

Every public name of :mod:`lossbook.frameworks` is re-exported here (the same
objects: one registry, one set of functions). New code imports
``lossbook.frameworks``. This is a package rather than ``tf_compare.py`` so that
git records ``tf_compare.py -> frameworks.py`` as a rename and edits made to the
old file on other branches follow it there.
"""

from ..frameworks import *  # noqa: F403
from ..frameworks import __all__  # noqa: F401
