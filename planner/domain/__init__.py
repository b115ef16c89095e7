"""What a fleet is: the fleet file and its catalog, contracts and programs that own their
economics, the hourly ledger."""
