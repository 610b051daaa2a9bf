"""mt-eval's Hydra launcher plug-in (found by Hydra in the hydra_plugins namespace)."""
