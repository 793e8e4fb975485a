import numpy as np


def update_scale(
    scale, growth_tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000
):
    if found_inf:
        return scale * backoff_factor, 0
    growth_tracker += 1
    if growth_tracker == growth_interval:
        return scale * growth_factor, 0
    return scale, growth_tracker


def unscale(grads, scale):
    unscaled = [g / scale for g in grads]
    found_inf = not all(np.all(np.isfinite(g)) for g in unscaled)
    return unscaled, found_inf


def scaled_sgd_step(params, grads, lr, scale, growth_tracker):
    unscaled, found_inf = unscale(grads, scale)
    if not found_inf:
        params = [p - lr * g for p, g in zip(params, unscaled)]
    scale, growth_tracker = update_scale(scale, growth_tracker, found_inf)
    return params, scale, growth_tracker
