from rexbench.cli import main

main()
