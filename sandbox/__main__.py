"""`python -m sandbox`: run the scripted survey against the emulator and print the chat."""

from sandbox.demo import main

if __name__ == "__main__":
    main()
