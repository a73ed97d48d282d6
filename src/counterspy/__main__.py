from counterspy.cli.main import main

raise SystemExit(main())
