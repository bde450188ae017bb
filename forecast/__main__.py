"""``python -m forecast`` is the ``forecast`` command."""

from forecast.cli import main

raise SystemExit(main())
