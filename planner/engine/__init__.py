"""What the fleet does and how it is judged: policies, the SimPy simulation, the Pyomo +
HiGHS optimizer, plans made runnable, rolling re-plans, metrics and Monte Carlo."""
