"""``python -m mt_eval`` runs the same command as ``mt-eval``."""

from .cli import main

if __name__ == "__main__":
    main()
