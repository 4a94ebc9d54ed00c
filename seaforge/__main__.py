from seaforge.cli import main

main()
