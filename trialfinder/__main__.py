from trialfinder.cli import main

main()
