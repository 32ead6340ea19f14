"""The SimPy engine and the experiments on it: replications, comparisons, sweeps, executors, plots and reports."""
