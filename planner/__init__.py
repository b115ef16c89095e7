"""Mining fleet resilience planner."""
