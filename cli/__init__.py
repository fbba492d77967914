"""The command line and the server process: Passerelle's outermost entry point."""
