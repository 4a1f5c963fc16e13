"""`python -m cli`: the `debates` command, as `debates up` starts its serving process."""

from cli.app import main

if __name__ == "__main__":
    main()
