from lgsco_letters.cli import main

main()
