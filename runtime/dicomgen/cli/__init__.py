"""Command-line interface: one module per subcommand, loaded when used."""
