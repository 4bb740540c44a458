"""``python -m dicomgen``."""

from dicomgen.cli.main import main

raise SystemExit(main())
