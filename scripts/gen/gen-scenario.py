#!/usr/bin/env python3
"""Writes a random scenario for mindnet-sim: N neurons, K weights per row (seeded).

    scripts/gen/gen-scenario.py --neurons 4096 --weights 256 --seed 1 > /tmp/big.json
"""
import argparse
import json
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, required=True, help="number of neurons (1..65535)")
    ap.add_argument("--weights", type=int, required=True, help="weights per row")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not 1 <= a.neurons <= 65535:
        ap.error(f"--neurons must be in 1..65535, got {a.neurons}")
    if not 0 <= a.weights <= a.neurons:
        ap.error(f"--weights must be in 0..=neurons ({a.neurons}), got {a.weights}")
    rng = random.Random(a.seed)
    neurons = []
    for _ in range(a.neurons):
        uids = sorted(rng.sample(range(a.neurons), a.weights))
        neurons.append({
            "stake": rng.randrange(1, 10**12),
            "last_update": 1,
            "registered_at": 0,
            "weights": [[u, rng.randrange(1, 65536)] for u in uids],
        })
    params = {"rho": 10, "kappa": 0.5, "alpha": 0.1, "delta": 0.5, "activity_cutoff": 5000,
              "mask_self_weight": False, "emission": 100_000_000_000, "tempo": 100}
    json.dump({"params": params, "block": 0, "neurons": neurons}, sys.stdout)


if __name__ == "__main__":
    main()
