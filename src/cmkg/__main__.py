from cmkg.cli import main

main()
