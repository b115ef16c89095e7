"""What the fleet faces over a horizon: feeds, outage hazards, scenarios, replay readers."""
